// The kinds the status API serves and the workloads whose replica counts it
// streams, with the cache (watch) name each is read from. The watch names are
// the ones the reconcilers use, so a kind they already watch is not watched twice.
import {
  PrismBackendKind,
  PrismNamespaceKind,
  PrismPatternKind,
  PrismStackKind,
} from '../api/v1alpha1/kinds.js';
import type { KindDefinition } from '../api/v1alpha1/crd.js';
import type { ResourceRef } from '../runtime/informer.js';

export interface ApiKind {
  /** The path segment: /api/v1/<collection>. */
  collection: string;
  kind: string;
  resource: ResourceRef;
  /** The manager cache this kind is read from. */
  cache: string;
}

const prism = (collection: string, def: KindDefinition): ApiKind => ({
  collection,
  kind: def.kind,
  resource: { group: 'prism.io', version: 'v1alpha1', plural: def.plural, kind: def.kind, namespaced: true },
  cache: def.plural,
});

export const API_KINDS: readonly ApiKind[] = [
  prism('patterns', PrismPatternKind),
  prism('stacks', PrismStackKind),
  prism('backends', PrismBackendKind),
  prism('namespaces', PrismNamespaceKind),
];

export const kindByCollection = (collection: string): ApiKind | undefined =>
  API_KINDS.find((k) => k.collection === collection);

export const kindByName = (kind: string): ApiKind | undefined => API_KINDS.find((k) => k.kind === kind);

/** Scaled workloads of patterns: their replica counts move the status page's charts. */
export const WORKLOADS = {
  deployments: {
    cache: 'deployments',
    resource: { group: 'apps', version: 'v1', plural: 'deployments', kind: 'Deployment', namespaced: true },
  },
  hpas: {
    cache: 'hpas',
    resource: {
      group: 'autoscaling',
      version: 'v2',
      plural: 'horizontalpodautoscalers',
      kind: 'HorizontalPodAutoscaler',
      namespaced: true,
    },
  },
} as const satisfies Record<string, { cache: string; resource: ResourceRef }>;
