// Pure builders for the custom resources a PrismStack lists (PrismPattern,
// PrismBackend, PrismNamespace, each named <stack>-<entry>) and for its
// Prometheus Operator ServiceMonitor.
import { API_VERSION } from '../api/v1alpha1/common.js';
import type { PrismStackSpec } from '../api/v1alpha1/prismstack.js';
import type { Obj } from '../runtime/object.js';
import { childMeta, type Owner } from './meta.js';
import {
  ADMIN_COMPONENT,
  PROXY_COMPONENT,
  STACK_COMPONENT,
  STACK_ENTRY_LABEL,
  childName,
  stackLabels,
} from './stack-meta.js';

export const SERVICE_MONITOR_API_VERSION = 'monitoring.coreos.com/v1';

function childResource(owner: Owner, kind: string, entry: string, spec: Record<string, unknown>): Obj {
  return {
    apiVersion: API_VERSION,
    kind,
    metadata: childMeta(owner, childName(owner.name, entry), STACK_COMPONENT, {
      labels: { ...stackLabels(owner.name), [STACK_ENTRY_LABEL]: entry },
    }),
    spec,
  };
}

/** PrismPatterns; a backendRef names a stack entry, so it becomes the child PrismBackend's full name. */
export function childPatterns(owner: Owner, spec: PrismStackSpec): Obj[] {
  return (spec.patterns ?? []).map(({ name, backendRef, ...pattern }) =>
    childResource(owner, 'PrismPattern', name, {
      ...pattern,
      ...(backendRef ? { backendRef: { name: childName(owner.name, backendRef.name) } } : {}),
    }),
  );
}

export function childBackends(owner: Owner, spec: PrismStackSpec): Obj[] {
  return (spec.backends ?? []).map(({ name, ...backend }) =>
    childResource(owner, 'PrismBackend', name, backend),
  );
}

/** PrismNamespaces; without `namespace` the Namespace is named like the child, <stack>-<entry>. */
export function childNamespaces(owner: Owner, spec: PrismStackSpec): Obj[] {
  return (spec.namespaces ?? []).map(({ name, ...ns }) => childResource(owner, 'PrismNamespace', name, ns));
}

/** Scrapes the metrics port of the proxy's and the admin's Services (not the patterns'). */
export function serviceMonitorFor(owner: Owner): Obj {
  return {
    apiVersion: SERVICE_MONITOR_API_VERSION,
    kind: 'ServiceMonitor',
    metadata: childMeta(owner, owner.name, STACK_COMPONENT, { labels: stackLabels(owner.name) }),
    spec: {
      selector: {
        matchLabels: { 'app.kubernetes.io/instance': owner.name, ...stackLabels(owner.name) },
        matchExpressions: [
          { key: 'app.kubernetes.io/name', operator: 'In', values: [PROXY_COMPONENT, ADMIN_COMPONENT] },
        ],
      },
      endpoints: [{ port: 'metrics', path: '/metrics' }],
    },
  };
}
