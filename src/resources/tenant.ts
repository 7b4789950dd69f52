// Pure builders for a PrismNamespace's tenant: the Namespace itself, its
// ResourceQuota and its LimitRange. Spec in, Kubernetes object out. The
// Namespace is cluster-scoped and the rest live in the tenant Namespace, not
// beside the PrismNamespace, so none can carry an owner reference: every one
// points back at its owner through the prism.io/owner-* labels.
import type { NamespaceLimits, NamespaceQuota, PrismNamespaceSpec } from '../api/v1alpha1/prismnamespace.js';
import type { Obj } from '../runtime/object.js';
import { labelledChildMeta, type Owner } from './meta.js';
import { canonicalQuantity } from './quantity.js';

export const TENANT_COMPONENT = 'prism-tenant';
export const QUOTA_NAME = 'prism-quota';
export const LIMITS_NAME = 'prism-limits';
export const DISPLAY_NAME_ANNOTATION = 'prism.io/display-name';

/** The Namespace a PrismNamespace manages: spec.namespace, else its own name. */
export function targetNamespace(name: string, spec: Pick<PrismNamespaceSpec, 'namespace'>): string {
  return spec.namespace ?? name;
}

export function namespaceFor(owner: Owner, spec: PrismNamespaceSpec): Obj {
  const annotations = { ...spec.annotations };
  if (spec.displayName) annotations[DISPLAY_NAME_ANNOTATION] = spec.displayName;
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: labelledChildMeta(owner, targetNamespace(owner.name, spec), undefined, TENANT_COMPONENT, {
      labels: spec.labels,
      annotations,
    }),
  };
}

/** spec.quota field → ResourceQuota resource name. */
export const QUOTA_RESOURCES: Record<keyof NamespaceQuota, string> = {
  cpu: 'requests.cpu',
  memory: 'requests.memory',
  limitsCpu: 'limits.cpu',
  limitsMemory: 'limits.memory',
  requestsStorage: 'requests.storage',
  pods: 'pods',
  services: 'services',
  persistentVolumeClaims: 'persistentvolumeclaims',
  configMaps: 'configmaps',
  secrets: 'secrets',
};

/** The `hard` map a quota spec asks for (quantities in the canonical form the API returns). */
export function quotaHard(quota: NamespaceQuota): Record<string, string> {
  const hard: Record<string, string> = {};
  for (const [field, resource] of Object.entries(QUOTA_RESOURCES)) {
    const value = quota[field as keyof NamespaceQuota];
    if (value !== undefined) hard[resource] = canonicalQuantity(value);
  }
  return hard;
}

export function resourceQuotaFor(owner: Owner, spec: PrismNamespaceSpec): Obj | undefined {
  if (!spec.quota) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: labelledChildMeta(owner, QUOTA_NAME, targetNamespace(owner.name, spec), TENANT_COMPONENT),
    spec: { hard: quotaHard(spec.quota) },
  };
}

type CpuMemory = NamespaceLimits['default'];

function resources(r: CpuMemory | undefined): Record<string, string> | undefined {
  if (!r) return undefined;
  const out: Record<string, string> = {};
  if (r.cpu !== undefined) out.cpu = canonicalQuantity(r.cpu);
  if (r.memory !== undefined) out.memory = canonicalQuantity(r.memory);
  return out;
}

export function limitRangeFor(owner: Owner, spec: PrismNamespaceSpec): Obj | undefined {
  const limits = spec.limits;
  if (!limits) return undefined;
  const item: Record<string, unknown> = {
    type: 'Container',
    default: resources(limits.default),
    defaultRequest: resources(limits.defaultRequest),
  };
  if (limits.max) item.max = resources(limits.max);
  if (limits.min) item.min = resources(limits.min);
  return {
    apiVersion: 'v1',
    kind: 'LimitRange',
    metadata: labelledChildMeta(owner, LIMITS_NAME, targetNamespace(owner.name, spec), TENANT_COMPONENT),
    spec: { limits: [item] },
  };
}
