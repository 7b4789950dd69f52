// The PrismNamespace reconciler: a tenant Namespace with its quota, default
// limits, network isolation and access, tracked by labels (a namespaced object
// cannot own a cluster-scoped one) and cleaned up by a finalizer that honours
// deletionPolicy. A checklist: scope, ttl, spec, ownership, apply, status.
import { PrismNamespaceSpec, type PrismNamespaceStatus } from '../api/v1alpha1/prismnamespace.js';
import { schemaProblems } from '../api/v1alpha1/validate.js';
import { setCondition } from '../runtime/conditions.js';
import { regardingOf } from '../runtime/events.js';
import { withFinalizer, type CleanupOutcome } from '../runtime/finalizer.js';
import { stripForCache, type Informer } from '../runtime/informer.js';
import { KubeApiError } from '../runtime/kube-client.js';
import type { Manager, ReconcileContext, ReconcileResult, Reconciler } from '../runtime/manager.js';
import { formatTime } from '../runtime/microtime.js';
import type { Obj } from '../runtime/object.js';
import { keyOf, toSelf } from '../runtime/owners.js';
import { isLabelledBy, ownerOf, type Owner } from '../resources/meta.js';
import {
  QUOTA_NAME,
  limitRangeFor,
  namespaceFor,
  quotaHard,
  resourceQuotaFor,
  targetNamespace,
} from '../resources/tenant.js';
import { roleBindingsFor } from '../resources/tenant-access.js';
import { backendEgressRules, type BackendAddressSource } from '../resources/tenant-backends.js';
import { isolationOf, networkPoliciesFor } from '../resources/tenant-network.js';
import {
  CHILD_CACHES,
  CHILD_SELECTOR,
  NAMESPACE_CACHE,
  TENANT_KIND,
  TenantChildren,
  toTenant,
} from './prismnamespace-children.js';
import { TARGET_INDEX, tenantTarget } from './prismnamespace-policy.js';
import {
  decideOwnership,
  decideTenantStatus,
  expiryOf,
  quotaState,
  type Problem,
  type TenantObservation,
} from './prismnamespace-status.js';
import { RESOURCES } from './resources.js';

export interface PrismNamespace extends Obj {
  spec: PrismNamespaceSpec;
  status?: PrismNamespaceStatus;
}

export const TENANT_FINALIZER = 'prism.io/tenant-cleanup';
export const TENANT_CACHE = 'prismnamespaces';
const BACKEND_CACHE = 'tenant-backends';
/** A requeue-after is capped so a far-off ttl never overflows a timer. */
const MAX_REQUEUE_MS = 6 * 3_600_000;
/** Between reporting Terminating and dropping the finalizer (the cache catches up meanwhile). */
const FINALIZER_PASS_MS = 250;

export interface TenantOptions {
  /** False when the operator watches only some namespaces: it may not create Namespaces then. */
  clusterScope: boolean;
  /** Namespace of the operator (and proxy): tenant NetworkPolicies admit traffic from it. */
  operatorNamespace: string;
}

interface ResourceQuotaObj extends Obj {
  spec?: { hard?: Record<string, string> };
  status?: { hard?: Record<string, string>; used?: Record<string, string> };
}

/** Registers the PrismNamespace watches and reconciler with the manager. */
export function setupPrismNamespace(mgr: Manager, opts: TenantOptions): PrismNamespaceReconciler {
  const tenants = mgr.watch(TENANT_CACHE, {
    resource: RESOURCES.prismNamespace,
    map: toSelf(TENANT_KIND),
    primary: true,
  });
  tenants.addIndex(TARGET_INDEX, (t) => [tenantTarget(t as Obj)]);
  const tenantsOf = (namespace: string) =>
    tenants
      .byIndex(TARGET_INDEX, namespace)
      .map((t) => keyOf(TENANT_KIND, t.metadata.namespace, t.metadata.name));
  if (opts.clusterScope) {
    // Every Namespace, not only ours: a pre-existing one is a conflict to report, and
    // its deletion is what lets a conflicting or waiting tenant go ahead.
    mgr.watch(NAMESPACE_CACHE, {
      resource: RESOURCES.namespace,
      transform: (o) => {
        const { apiVersion, kind, metadata, status } = stripForCache(o);
        return { apiVersion, kind, metadata, status };
      },
      map: (ns) =>
        tenants
          .byIndex(TARGET_INDEX, ns.metadata.name)
          .map((t) => keyOf(TENANT_KIND, t.metadata.namespace, t.metadata.name)),
    });
    for (const [name, resource] of CHILD_CACHES) {
      mgr.watch(name, { resource, labelSelector: CHILD_SELECTOR, map: toTenant });
    }
    // Strict isolation lets pods reach their backends: a backend's addresses shape the egress policy.
    mgr.watch(BACKEND_CACHE, {
      resource: RESOURCES.prismBackend,
      transform: (o) => {
        const { apiVersion, kind, metadata, spec } = stripForCache(o) as Obj & {
          spec?: BackendAddressSource;
        };
        return {
          apiVersion,
          kind,
          metadata,
          spec: { provider: spec?.provider, connection: spec?.connection ?? {} },
        };
      },
      map: (b) => tenantsOf(b.metadata.namespace ?? ''),
    });
  }
  const reconciler = new PrismNamespaceReconciler(mgr, opts);
  mgr.register(reconciler);
  return reconciler;
}

export class PrismNamespaceReconciler implements Reconciler {
  readonly kind = TENANT_KIND;
  private readonly children: TenantChildren;

  constructor(
    private readonly mgr: Manager,
    private readonly opts: TenantOptions,
  ) {
    this.children = new TenantChildren(mgr);
  }

  private cache<T extends Obj>(name: string): Informer<T> {
    return this.mgr.cache<T>(name);
  }

  async reconcile(ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const tenant = this.cache<PrismNamespace>(TENANT_CACHE).get(ctx.namespace, ctx.name);
    if (!tenant) return undefined;
    const target = targetNamespace(tenant.metadata.name, tenant.spec);
    if (!this.opts.clusterScope) {
      // Writes nothing but its own status: creating Namespaces needs cluster scope.
      const problem = {
        reason: 'ClusterScopeRequired',
        message: `the operator watches only some namespaces (WATCH_NAMESPACES) and cannot create or delete Namespace ${target}; run it cluster-wide (WATCH_NAMESPACES empty) to manage tenants`,
      };
      await this.refuse(ctx, tenant, target, problem);
      return undefined;
    }
    const outcome = await withFinalizer(
      this.mgr.applier,
      tenant,
      TENANT_FINALIZER,
      {
        apply: () => this.provision(ctx, tenant, target),
        cleanup: () => this.cleanup(ctx, tenant, target),
      },
      ctx.writes,
    );
    if (outcome.phase === 'applied') return outcome.result;
    const { requeueAfterMs } = outcome.outcome;
    return requeueAfterMs ? { requeueAfterMs } : undefined;
  }

  /** Provisions the tenant; returns a requeue at the ttl's expiry. */
  private async provision(
    ctx: ReconcileContext,
    tenant: PrismNamespace,
    target: string,
  ): Promise<ReconcileResult | undefined> {
    const expiry = expiryOf(tenant.metadata.creationTimestamp, tenant.spec.ttl);
    if (expiry && expiry.getTime() <= Date.now()) return this.expire(ctx, tenant, target);
    const owner = ownerOf(tenant);
    // A Namespace someone else made is never written unless adopt is set.
    const current = this.cache<Obj>(NAMESPACE_CACHE).get(undefined, target);
    const ownership = decideOwnership(current, owner, tenant.spec.adopt ?? false);
    const problem =
      this.validate(tenant) ?? (ownership.verdict === 'conflict' ? ownership.problem : undefined);
    if (problem) {
      await this.refuse(ctx, tenant, target, problem, expiry);
      return requeueAt(expiry);
    }
    if (ownership.verdict === 'terminating') {
      // The Namespace's deletion re-queues this tenant (the Namespace watch maps it here).
      const waiting = {
        waiting: ownership.problem,
        namespace: target,
        quota: 'none',
        isolation: 'none',
      } as const;
      await this.writeStatus(ctx, tenant, waiting, expiry);
      return requeueAt(expiry);
    }
    if (ownership.verdict === 'adopt') {
      this.event(tenant, 'Normal', 'Adopted', `adopted the existing Namespace ${target}`);
    }
    try {
      await this.applyTenant(ctx, tenant, owner, target);
    } catch (err) {
      if (!(err instanceof KubeApiError && (err.code === 422 || err.code === 400))) throw err;
      // The API server refused what the spec asked for: a user error, not a transient one.
      await this.refuse(ctx, tenant, target, { reason: 'ApplyFailed', message: err.message }, expiry);
      return requeueAt(expiry);
    }
    const rq = this.cache<ResourceQuotaObj>('tenant-resourcequotas').get(target, QUOTA_NAME);
    await this.writeStatus(
      ctx,
      tenant,
      {
        namespace: target,
        quota: quotaState(
          tenant.spec.quota && quotaHard(tenant.spec.quota),
          rq?.spec?.hard,
          rq?.status?.hard,
        ),
        isolation: isolationOf(tenant.spec),
      },
      expiry,
      rq,
    );
    return requeueAt(expiry);
  }

  /** Step: the spec must match the schema (the installed CRD may be older than the operator). */
  private validate(tenant: PrismNamespace): Problem | undefined {
    const problems = schemaProblems(PrismNamespaceSpec, tenant.spec);
    if (!problems.length) return undefined;
    return { reason: 'InvalidSpec', message: problems.map((p) => `${p.path}: ${p.message}`).join('; ') };
  }

  /** Step: the Namespace first (children need it), then its children; stale children go. */
  private async applyTenant(
    ctx: ReconcileContext,
    tenant: PrismNamespace,
    owner: Owner,
    target: string,
  ): Promise<void> {
    const spec = tenant.spec;
    await this.children.apply(ctx, tenant, [namespaceFor(owner, spec)]);
    const trusted = [this.opts.operatorNamespace, owner.namespace];
    const backends = backendEgressRules(
      this.cache<Obj & { spec: BackendAddressSource }>(BACKEND_CACHE)
        .list(target)
        .map((b) => b.spec),
    );
    const desired = [
      resourceQuotaFor(owner, spec),
      limitRangeFor(owner, spec),
      ...Object.values(networkPoliciesFor(owner, spec, trusted, backends)),
      ...roleBindingsFor(owner, spec),
    ].filter((o): o is Obj => o !== undefined);
    await this.children.apply(ctx, tenant, desired);
    await this.children.prune(ctx, tenant, owner, target, desired);
  }

  /** ttl ran out: delete the PrismNamespace; its finalizer then applies deletionPolicy. */
  private async expire(ctx: ReconcileContext, tenant: PrismNamespace, target: string): Promise<undefined> {
    this.event(
      tenant,
      'Normal',
      'Expired',
      `ttl ${tenant.spec.ttl ?? ''} ran out: deleting this PrismNamespace (Namespace ${target}: ${tenant.spec.deletionPolicy ?? 'Delete'})`,
    );
    await this.mgr.applier.delete(
      {
        apiVersion: tenant.apiVersion,
        kind: tenant.kind,
        namespace: tenant.metadata.namespace,
        name: tenant.metadata.name,
      },
      'Background',
      ctx.writes,
    );
    return undefined;
  }

  /** Deleting: Delete removes the Namespace (its content goes with it); Retain releases it. */
  private async cleanup(
    ctx: ReconcileContext,
    tenant: PrismNamespace,
    target: string,
  ): Promise<CleanupOutcome> {
    const reported = await this.mgr.applier.patchStatus(
      tenant,
      { ...tenant.status, phase: 'Terminating' },
      ctx.writes,
    );
    const owner = ownerOf(tenant);
    const ns = this.cache<Obj>(NAMESPACE_CACHE).get(undefined, target);
    // A Namespace this tenant never managed (a conflict) is never touched.
    if (ns && isLabelledBy(ns, owner)) {
      if ((tenant.spec.deletionPolicy ?? 'Delete') === 'Retain') {
        await this.children.release(ctx, owner, ns);
        this.event(
          tenant,
          'Normal',
          'Retained',
          `kept Namespace ${target} and its content (deletionPolicy: Retain)`,
        );
      } else if (!ns.metadata.deletionTimestamp) {
        await this.mgr.applier.delete(
          { apiVersion: 'v1', kind: 'Namespace', name: target },
          'Background',
          ctx.writes,
        );
        this.event(tenant, 'Normal', 'Deleted', `deleted Namespace ${target} (deletionPolicy: Delete)`);
      }
    }
    // The status write moved the resourceVersion the finalizer patch carries: drop the
    // finalizer on the next pass. Asked for here: a status write does not re-queue its own
    // object, and a Namespace this tenant never managed sends no event either.
    return reported ? { done: false, requeueAfterMs: FINALIZER_PASS_MS } : { done: true };
  }

  /** Ready=False with the problem, said once per generation and reason, nothing else written. */
  private async refuse(
    ctx: ReconcileContext,
    tenant: PrismNamespace,
    target: string,
    problem: Problem,
    expiry?: Date,
  ): Promise<void> {
    const ready = tenant.status?.conditions?.find((c) => c.type === 'Ready');
    const said =
      tenant.status?.observedGeneration === tenant.metadata.generation && ready?.reason === problem.reason;
    if (!said) this.event(tenant, 'Warning', problem.reason, problem.message);
    await this.writeStatus(
      ctx,
      tenant,
      { blocked: problem, namespace: target, quota: 'none', isolation: 'none' },
      expiry,
    );
  }

  /** Phase, conditions, quota usage and times, patched only when they changed. */
  private async writeStatus(
    ctx: ReconcileContext,
    tenant: PrismNamespace,
    observation: TenantObservation,
    expiry: Date | undefined,
    rq?: ResourceQuotaObj,
  ): Promise<void> {
    const verdict = decideTenantStatus(observation);
    const generation = tenant.metadata.generation ?? 0;
    const now = new Date();
    let conditions = tenant.status?.conditions ?? [];
    for (const c of verdict.conditions)
      conditions = setCondition(conditions, { ...c, observedGeneration: generation }, now);
    const previous = tenant.status;
    const status: PrismNamespaceStatus = { phase: verdict.phase, observedGeneration: generation, conditions };
    if (!observation.blocked) status.namespace = observation.namespace;
    const provisionedAt =
      previous?.provisionedAt ?? (verdict.phase === 'Active' ? formatTime(now) : undefined);
    if (provisionedAt) status.provisionedAt = provisionedAt;
    if (expiry) status.expiresAt = formatTime(expiry);
    if (rq?.status?.hard) status.quota = { hard: rq.status.hard, used: rq.status.used ?? {} };
    // The patch is computed against the cached status, so fields left out here are removed.
    await this.mgr.applier.patchStatus(tenant, status, ctx.writes);
  }

  private event(tenant: PrismNamespace, type: 'Normal' | 'Warning', reason: string, note: string): void {
    void this.mgr.recorder.event(regardingOf(tenant), { type, reason, action: 'Reconcile', note });
  }
}

function requeueAt(expiry: Date | undefined): ReconcileResult | undefined {
  if (!expiry) return undefined;
  return { requeueAfterMs: Math.min(MAX_REQUEUE_MS, Math.max(1_000, expiry.getTime() - Date.now())) };
}
