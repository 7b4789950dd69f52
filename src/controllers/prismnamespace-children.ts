// The tenant's objects in the cluster: applies the Namespace and its children
// (quota, limits, policies, bindings), deletes children the spec no longer
// asks for, and releases everything on deletionPolicy: Retain. Children sit in
// the tenant Namespace, not beside the PrismNamespace, so they are found by
// their owner labels rather than owner references.
import { objectPath } from '../runtime/discovery.js';
import { regardingOf } from '../runtime/events.js';
import type { ResourceRef } from '../runtime/informer.js';
import { CONTENT_TYPE, isNotFound } from '../runtime/kube-client.js';
import type { Manager, ReconcileContext } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';
import { toLabelledOwner } from '../runtime/owners.js';
import {
  MANAGED_SELECTOR,
  OWNER_KIND_LABEL,
  OWNER_NAME_LABEL,
  OWNER_NAMESPACE_LABEL,
  childLabels,
  isLabelledBy,
  type Owner,
} from '../resources/meta.js';
import { TENANT_COMPONENT } from '../resources/tenant.js';
import { RESOURCES, apiVersionOf } from './resources.js';

export const TENANT_KIND = 'PrismNamespace';
export const NAMESPACE_CACHE = 'tenant-namespaces';

/** The kinds a tenant owns inside its Namespace, by cache name. */
export const CHILD_CACHES: readonly (readonly [string, ResourceRef])[] = [
  ['tenant-resourcequotas', RESOURCES.resourceQuota],
  ['tenant-limitranges', RESOURCES.limitRange],
  ['tenant-networkpolicies', RESOURCES.networkPolicy],
  ['tenant-rolebindings', RESOURCES.roleBinding],
];

export const CHILD_SELECTOR = `${MANAGED_SELECTOR},${OWNER_KIND_LABEL}=${TENANT_KIND}`;
export const toTenant = toLabelledOwner(TENANT_KIND, OWNER_NAMESPACE_LABEL, OWNER_NAME_LABEL);

/** The labels the operator puts on what it manages; a retained tenant loses them. */
const OPERATOR_LABELS = [
  ...Object.keys(childLabels(TENANT_COMPONENT, 'x')),
  OWNER_KIND_LABEL,
  OWNER_NAMESPACE_LABEL,
  OWNER_NAME_LABEL,
];

const cacheOfKind = (kind: string) => CHILD_CACHES.find(([, r]) => r.kind === kind)?.[0];

export class TenantChildren {
  constructor(private readonly mgr: Manager) {}

  /** Applies each object unless the cache shows it unchanged; a Normal event per change. */
  async apply(ctx: ReconcileContext, tenant: Obj, desired: Obj[]): Promise<void> {
    for (const obj of desired) {
      const cache = obj.kind === 'Namespace' ? NAMESPACE_CACHE : cacheOfKind(obj.kind);
      if (!cache) throw new Error(`no cache for ${obj.kind}`);
      const current = this.mgr.cache<Obj>(cache).get(obj.metadata.namespace, obj.metadata.name);
      const { changed } = await this.mgr.applier.apply(obj, current, ctx.writes);
      if (changed)
        ctx.changes.add(tenant, current ? 'Updated' : 'Created', `${obj.kind} ${obj.metadata.name}`);
    }
  }

  /** Deletes the children of `owner` in `namespace` that are not in `keep`. */
  async prune(
    ctx: ReconcileContext,
    tenant: Obj,
    owner: Owner,
    namespace: string,
    keep: Obj[],
  ): Promise<void> {
    const wanted = new Set(keep.map((o) => `${o.kind}/${o.metadata.name}`));
    for (const [cache, resource] of CHILD_CACHES) {
      for (const child of this.owned(cache, owner, namespace)) {
        if (wanted.has(`${resource.kind}/${child.metadata.name}`)) continue;
        const ref = {
          apiVersion: apiVersionOf(resource),
          kind: resource.kind,
          namespace,
          name: child.metadata.name,
        };
        if (await this.mgr.applier.delete(ref, 'Background', ctx.writes)) {
          ctx.changes.add(
            tenant,
            'Deleted',
            `${resource.kind} ${child.metadata.name} (no longer in the spec)`,
          );
        }
      }
    }
  }

  /**
   * deletionPolicy Retain: the Namespace and everything in it stay (so quota,
   * isolation and access do not silently lapse), but lose the operator's labels
   * and applied-hash annotation. The operator then no longer tracks them, and a
   * new PrismNamespace must set adopt: true to manage the Namespace again.
   */
  async release(ctx: ReconcileContext, owner: Owner, namespace: Obj): Promise<void> {
    const name = namespace.metadata.name;
    for (const [cache, resource] of CHILD_CACHES) {
      for (const child of this.owned(cache, owner, name)) await this.unlabel(ctx, resource, child);
    }
    await this.unlabel(ctx, RESOURCES.namespace, namespace);
  }

  private owned(cache: string, owner: Owner, namespace: string): Obj[] {
    return this.mgr
      .cache<Obj>(cache)
      .list(namespace)
      .filter((c) => isLabelledBy(c, owner));
  }

  private async unlabel(ctx: ReconcileContext, resource: ResourceRef, obj: Obj): Promise<void> {
    const labels = Object.fromEntries(
      OPERATOR_LABELS.filter((k) => obj.metadata.labels?.[k] !== undefined).map((k) => [k, null]),
    );
    try {
      await this.mgr.client.request({
        method: 'PATCH',
        path: objectPath(resource, obj.metadata.namespace, obj.metadata.name),
        body: { metadata: { labels, annotations: { [this.mgr.applier.hashAnnotation]: null } } },
        contentType: CONTENT_TYPE.mergePatch,
      });
      ctx.writes.writes++;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  private event(tenant: Obj, reason: string, note: string): void {
    void this.mgr.recorder.event(regardingOf(tenant), { type: 'Normal', reason, action: 'Reconcile', note });
  }
}
