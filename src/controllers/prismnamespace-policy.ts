// The PrismPattern controller's view of tenant policy: it watches
// PrismNamespaces itself (a small cache holding only what the policy needs),
// so a change to allowedPatterns/allowedBackends re-queues the patterns of the
// tenant Namespace, whether or not the PrismNamespace reconciler runs here.
import type { PrismNamespaceSpec } from '../api/v1alpha1/prismnamespace.js';
import { stripForCache, type Informer } from '../runtime/informer.js';
import type { Manager } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';
import { keyOf } from '../runtime/owners.js';
import { targetNamespace } from '../resources/tenant.js';
import { RESOURCES } from './resources.js';
import type { TenantPolicy } from './tenant-policy.js';

/** Index of PrismNamespaces by the Namespace they manage. */
export const TARGET_INDEX = 'target';

interface TenantObj extends Obj {
  spec?: Pick<PrismNamespaceSpec, 'namespace' | 'allowedPatterns' | 'allowedBackends'>;
}

export const tenantTarget = (t: Obj): string => targetNamespace(t.metadata.name, (t as TenantObj).spec ?? {});

export class TenantPolicies {
  constructor(private readonly cache: Informer<TenantObj>) {}

  /** Policies of the PrismNamespaces that manage `namespace` (deleted ones no longer apply). */
  for(namespace: string): TenantPolicy[] {
    return this.cache
      .byIndex(TARGET_INDEX, namespace)
      .filter((t) => !t.metadata.deletionTimestamp)
      .map((t) => ({
        tenant: `${t.metadata.namespace ?? ''}/${t.metadata.name}`,
        allowedPatterns: t.spec?.allowedPatterns,
        allowedBackends: t.spec?.allowedBackends,
      }));
  }
}

/**
 * Watches PrismNamespaces for the pattern controller; `patterns` lists the pattern keys of a
 * namespace. Only a change of policy re-queues them: status updates (quota usage moves with
 * every pod) would otherwise re-reconcile every pattern of the tenant for nothing.
 */
export function watchTenantPolicies(mgr: Manager, patterns: (namespace: string) => string[]): TenantPolicies {
  const informer = mgr.watch('tenant-policies', {
    resource: RESOURCES.prismNamespace,
    transform: (o) => {
      const { apiVersion, kind, metadata, spec } = stripForCache(o) as TenantObj;
      const { namespace, allowedPatterns, allowedBackends } = spec ?? {};
      return { apiVersion, kind, metadata, spec: { namespace, allowedPatterns, allowedBackends } };
    },
    map: () => [],
  });
  informer.addIndex(TARGET_INDEX, (t) => [tenantTarget(t as Obj)]);
  const requeue = (t: Obj) => {
    for (const key of patterns(tenantTarget(t))) mgr.enqueue(key);
  };
  const policyOf = (t: Obj) =>
    JSON.stringify([(t as TenantObj).spec ?? {}, Boolean(t.metadata.deletionTimestamp)]);
  informer.onAdd((t) => requeue(t as Obj));
  informer.onDelete((t) => requeue(t as Obj));
  informer.onUpdate((old, cur) => {
    if (policyOf(old as Obj) !== policyOf(cur as Obj)) requeue(cur as Obj);
  });
  return new TenantPolicies(informer as unknown as Informer<TenantObj>);
}

export const patternKeysIn =
  (mgr: Manager) =>
  (namespace: string): string[] =>
    mgr
      .cache('prismpatterns')
      .list(namespace)
      .map((p) => keyOf('PrismPattern', p.metadata.namespace, p.metadata.name));
