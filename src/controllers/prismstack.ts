// The PrismStack reconciler: a checklist (validate, children, proxy
// autoscaler, ServiceMonitor, status). Every child is server-side applied from
// a pure builder, and children the spec no longer lists are pruned, found in
// the caches by their owner reference and stack label.
import { PrismStackSpec } from '../api/v1alpha1/prismstack.js';
import { schemaProblems } from '../api/v1alpha1/validate.js';
import { OWNER_INDEX } from '../runtime/informer.js';
import { KubeApiError } from '../runtime/kube-client.js';
import type { Manager, ReconcileContext, ReconcileResult, Reconciler } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';
import { keyOf, toControllerOwner, toSelf } from '../runtime/owners.js';
import { MANAGED_SELECTOR, ownerOf, type Owner } from '../resources/meta.js';
import { desiredChildren, type CacheName } from '../resources/stack.js';
import { STACK_LABEL, proxyName } from '../resources/stack-meta.js';
import { proxyScalerInput } from '../resources/stack-proxy.js';
import { ChildWriter, isControlledBy } from './child-writer.js';
import { ScalerStep, autoscalingMode, type ScaledWorkload, type ScalerOutcome } from './pattern-scaler.js';
import { generationObserved } from './prismpattern.js';
import { ServiceMonitorStep, type MonitoringOutcome } from './prismstack-monitoring.js';
import { writeStackStatus } from './prismstack-report.js';
import type { PrismStack } from './prismstack-types.js';
import { RESOURCES } from './resources.js';
import { watchShared } from './shared-watch.js';

export type { PrismStack } from './prismstack-types.js';

/** The caches of a stack's children, and how each is watched. Shared with other reconcilers where they overlap. */
const CHILD_WATCHES: readonly [CacheName, (typeof RESOURCES)[keyof typeof RESOURCES], string | undefined][] =
  [
    ['configmaps', RESOURCES.configMap, MANAGED_SELECTOR],
    ['deployments', RESOURCES.deployment, MANAGED_SELECTOR],
    ['services', RESOURCES.service, MANAGED_SELECTOR],
    ['serviceaccounts', RESOURCES.serviceAccount, MANAGED_SELECTOR],
    ['roles', RESOURCES.role, MANAGED_SELECTOR],
    ['rolebindings', RESOURCES.roleBinding, MANAGED_SELECTOR],
    // The child kinds' own reconcilers watch them unfiltered; one cache serves both.
    ['prismbackends', RESOURCES.prismBackend, undefined],
    ['prismnamespaces', RESOURCES.prismNamespace, undefined],
    ['prismpatterns', RESOURCES.prismPattern, undefined],
  ];

export const stackKey = (namespace: string | undefined, name: string) => keyOf('PrismStack', namespace, name);

/** Registers the PrismStack watches and reconciler. Call after the other Prism reconcilers' setups. */
export function setupPrismStack(mgr: Manager): PrismStackReconciler {
  mgr.watch('prismstacks', { resource: RESOURCES.prismStack, map: toSelf('PrismStack'), primary: true });
  const toStack = toControllerOwner('PrismStack', RESOURCES.prismStack.group);
  for (const [name, resource, labelSelector] of CHILD_WATCHES) {
    watchShared(mgr, name, { resource, labelSelector, map: toStack });
  }
  const reconciler = new PrismStackReconciler(mgr);
  reconciler.scaler.watch();
  reconciler.monitoring.watch();
  mgr.register(reconciler);
  return reconciler;
}

export class PrismStackReconciler implements Reconciler {
  readonly kind = 'PrismStack';
  readonly scaler: ScalerStep;
  readonly monitoring: ServiceMonitorStep;

  constructor(private readonly mgr: Manager) {
    this.scaler = new ScalerStep(mgr, {
      kind: 'PrismStack',
      wantingKeda: () =>
        this.stacks()
          .list()
          .filter((s) => autoscalingMode(s.spec.proxy.autoscaling) === 'keda')
          .map((s) => stackKey(s.metadata.namespace, s.metadata.name)),
    });
    this.monitoring = new ServiceMonitorStep(mgr);
  }

  private stacks() {
    return this.mgr.cache<PrismStack>('prismstacks');
  }

  async reconcile(ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const stack = this.stacks().get(ctx.namespace, ctx.name);
    // Deleted: owner references let the garbage collector remove every child.
    if (!stack || stack.metadata.deletionTimestamp) return undefined;
    const owner = ownerOf(stack);
    const writer = new ChildWriter(this.mgr, ctx, stack);

    const invalid = this.validate(stack, owner);
    if (invalid) {
      // Said once per generation: a resync of an unchanged invalid spec writes nothing.
      if (!generationObserved(stack)) writer.tell('Warning', invalid.reason, invalid.message);
      await writeStackStatus(this.mgr, ctx, stack, { invalid });
      return undefined; // nothing to retry until the spec changes
    }

    let applyFailed: { reason: string; message: string } | undefined;
    let scaler: ScalerOutcome | undefined;
    let monitoring: MonitoringOutcome | undefined;
    try {
      await this.reconcileChildren(stack, owner, writer);
      scaler = await this.scaler.reconcile(ctx, proxyWorkload(stack, owner), this.proxyDeployment(ctx));
      monitoring = await this.monitoring.reconcile(ctx, stack, owner, writer);
    } catch (err) {
      if (!(err instanceof KubeApiError && (err.code === 422 || err.code === 400))) throw err;
      // The API server refused what the spec asked for: a user error, not a transient one.
      applyFailed = { reason: 'ApplyFailed', message: err.message };
      if (!generationObserved(stack)) writer.tell('Warning', 'ApplyFailed', err.message);
    }
    if (monitoring?.status === 'False' && !generationObserved(stack)) {
      writer.tell('Warning', monitoring.reason, monitoring.message);
    }
    await writeStackStatus(this.mgr, ctx, stack, { applyFailed, scaler, monitoring });
    return scaler?.requeueAfterMs ? { requeueAfterMs: scaler.requeueAfterMs } : undefined;
  }

  /** Step 1: the spec must match the schema (the CRD may be older) and the proxy's scaler rules. */
  private validate(stack: PrismStack, owner: Owner): { reason: string; message: string } | undefined {
    const problems = schemaProblems(PrismStackSpec, stack.spec);
    if (problems.length) {
      return { reason: 'InvalidSpec', message: problems.map((p) => `${p.path}: ${p.message}`).join('; ') };
    }
    const errors = this.scaler.validate(proxyWorkload(stack, owner));
    if (errors.length) return { reason: errors[0]!.reason, message: errors.map((e) => e.message).join('; ') };
    return undefined;
  }

  /** Step 2: apply every desired child, then prune the ones this stack owns that the spec dropped. */
  private async reconcileChildren(stack: PrismStack, owner: Owner, writer: ChildWriter): Promise<void> {
    for (const [cacheName, desired] of desiredChildren(owner, stack.spec)) {
      for (const obj of desired) await writer.apply(cacheName, obj);
      const keep = new Set(desired.map((o) => o.metadata.name));
      const stale = this.mgr
        .cache<Obj>(cacheName)
        .byIndex(OWNER_INDEX, owner.uid)
        .filter(
          (o) =>
            o.metadata.labels?.[STACK_LABEL] === owner.name &&
            isControlledBy(o, stack) &&
            !keep.has(o.metadata.name),
        );
      for (const obj of stale) await writer.remove(obj, 'no longer in the spec');
    }
  }

  private proxyDeployment(ctx: ReconcileContext): Obj | undefined {
    return this.mgr.cache<Obj>('deployments').get(ctx.namespace, proxyName(ctx.name));
  }
}

/** The proxy Deployment, for the autoscaler step the patterns use too. */
function proxyWorkload(stack: PrismStack, owner: Owner): ScaledWorkload {
  return { obj: stack, input: proxyScalerInput(owner, stack.spec), replicas: stack.spec.proxy.replicas ?? 2 };
}
