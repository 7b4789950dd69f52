// Who refers to whom: patterns to backends (spec.backendRef), backends to
// Secrets. Kept as informer indexes, so a changed backend re-queues exactly
// the patterns that use it and a changed Secret exactly the backends that name it.
import type { PrismBackendSpec, PrismBackendStatus } from '../api/v1alpha1/prismbackend.js';
import type { Manager } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';
import { keyOf } from '../runtime/owners.js';
import { RESOURCES } from './resources.js';
import { secretIndexValues } from './backend-secrets.js';

export interface PrismBackend extends Obj {
  spec: PrismBackendSpec;
  status?: PrismBackendStatus;
}

export const BACKENDS_CACHE = 'prismbackends';
export const PATTERN_BACKEND_INDEX = 'backendRef';
export const BACKEND_SECRET_INDEX = 'secretRef';

const PATTERNS_CACHE = 'prismpatterns';
const indexValue = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

/** Indexes cached patterns by the backend they refer to; call once, after the pattern watch. */
export function indexPatternsByBackend(mgr: Manager): void {
  mgr.cache<Obj>(PATTERNS_CACHE).addIndex(PATTERN_BACKEND_INDEX, (p) => {
    const ref = (p.spec as { backendRef?: { name: string } } | undefined)?.backendRef;
    return ref ? [indexValue(p.metadata.namespace, ref.name)] : [];
  });
}

/** Keys of the patterns that refer to backend namespace/name. */
export function patternsReferencing(mgr: Manager, namespace: string | undefined, name: string): string[] {
  if (!mgr.watching(PATTERNS_CACHE)) return [];
  return mgr
    .cache<Obj>(PATTERNS_CACHE)
    .byIndex(PATTERN_BACKEND_INDEX, indexValue(namespace, name))
    .map((p) => keyOf('PrismPattern', p.metadata.namespace, p.metadata.name));
}

/** Keys of the backends that refer to Secret namespace/name. */
export function backendsReferencing(mgr: Manager, namespace: string, secret: string): string[] {
  return mgr
    .cache<PrismBackend>(BACKENDS_CACHE)
    .byIndex(BACKEND_SECRET_INDEX, indexValue(namespace, secret))
    .map((b) => keyOf('PrismBackend', b.metadata.namespace, b.metadata.name));
}

const reconcilesBackends = new WeakSet<Manager>();

/**
 * The one PrismBackend watch, shared by both reconcilers whichever registers
 * first: a change re-queues the patterns that use the backend, and the backend
 * itself once its reconciler is registered (`withBackendKeys`).
 */
export function watchBackends(mgr: Manager, withBackendKeys = false): void {
  if (withBackendKeys) reconcilesBackends.add(mgr);
  if (mgr.watching(BACKENDS_CACHE)) return;
  mgr.watch(BACKENDS_CACHE, {
    resource: RESOURCES.prismBackend,
    primary: true,
    map: (b) => [
      ...(reconcilesBackends.has(mgr) ? [keyOf('PrismBackend', b.metadata.namespace, b.metadata.name)] : []),
      ...patternsReferencing(mgr, b.metadata.namespace, b.metadata.name),
    ],
  });
  mgr
    .cache<PrismBackend>(BACKENDS_CACHE)
    .addIndex(BACKEND_SECRET_INDEX, (b) => secretIndexValues(b.metadata.namespace, b.spec));
}
