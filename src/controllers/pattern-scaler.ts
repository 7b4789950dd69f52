// Step 3 of a PrismPattern reconcile: the autoscaler. Picks the engine, makes
// sure two autoscalers never target the Deployment at once (the old engine's
// objects go first), and survives KEDA not being installed.
import type { ScalerStatus } from '../api/v1alpha1/prismpattern.js';
import { regardingOf } from '../runtime/events.js';
import { stripForCache, type Informer } from '../runtime/informer.js';
import { CONTENT_TYPE, KubeApiError } from '../runtime/kube-client.js';
import type { Manager, ReconcileContext } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';
import { keyOf, toControllerOwner } from '../runtime/owners.js';
import { MANAGED_BY, MANAGED_BY_LABEL, type Owner } from '../resources/meta.js';
import { CONTAINER_NAME } from '../resources/pattern.js';
import { engineFor } from '../scaler/registry.js';
import { observeAutoscalers, planSwitch } from '../scaler/switching.js';
import type { Finding, ScalerInput } from '../scaler/types.js';
import type { PrismPattern } from './prismpattern.js';
import { generationObserved, isOwnedBy } from './prismpattern.js';
import { RESOURCES, apiVersionOf } from './resources.js';
import { derivationOf, resolveBackend } from './pattern-backend.js';

export type AutoscalingMode = 'off' | 'hpa' | 'keda';

export interface ScalerOutcome {
  mode: AutoscalingMode;
  condition: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string };
  status?: ScalerStatus;
  requeueAfterMs?: number;
}

/** How soon to look again while waiting for an old autoscaler to disappear. */
const SWITCH_POLL_MS = 1_000;
/** How often to look for KEDA's CRDs while they are missing. */
const KEDA_POLL_MS = 30_000;
const KEDA_API = apiVersionOf(RESOURCES.scaledObject);
const KEDA_CRD = 'scaledobjects.keda.sh';
const CACHE_OF_KIND: Record<string, string> = {
  HorizontalPodAutoscaler: 'hpas',
  ScaledObject: 'scaledobjects',
  TriggerAuthentication: 'triggerauthentications',
};

export function autoscalingMode(pattern: PrismPattern): AutoscalingMode {
  const a = pattern.spec.autoscaling;
  return a?.enabled ? (a.scaler ?? 'hpa') : 'off';
}

export class ScalerStep {
  constructor(private readonly mgr: Manager) {}

  /** HPAs are watched whether ours or KEDA's, so a switch can wait for KEDA's HPA to go. */
  watch(): void {
    // KEDA's CRD appearing or going re-queues every pattern that wants KEDA, so they recover at once.
    this.mgr.watch('keda-crd', {
      resource: {
        group: 'apiextensions.k8s.io',
        version: 'v1',
        plural: 'customresourcedefinitions',
        kind: 'CustomResourceDefinition',
        namespaced: false,
      },
      fieldSelector: `metadata.name=${KEDA_CRD}`,
      // Only its conditions are read; the CRD's schema is large.
      transform: (crd) => {
        const { apiVersion, kind, metadata, status } = stripForCache(crd);
        return { apiVersion, kind, metadata, status };
      },
      map: () => {
        this.mgr.mapper.invalidate(KEDA_API);
        return this.mgr
          .cache<PrismPattern>('prismpatterns')
          .list()
          .filter((p) => autoscalingMode(p) === 'keda')
          .map((p) => keyOf('PrismPattern', p.metadata.namespace, p.metadata.name));
      },
    });
    const toPattern = toControllerOwner('PrismPattern', RESOURCES.prismPattern.group);
    this.mgr.watch('hpas', {
      resource: RESOURCES.hpa,
      labelSelector: `${MANAGED_BY_LABEL} in (${MANAGED_BY},keda-operator)`,
      map: (obj) => [
        ...toPattern(obj),
        // KEDA's HPA is owned by the ScaledObject, which is named after the pattern.
        ...(obj.metadata.ownerReferences ?? [])
          .filter((r) => r.kind === 'ScaledObject')
          .map((r) => keyOf('PrismPattern', obj.metadata.namespace, r.name)),
      ],
    });
  }

  /** Starts watching KEDA's kinds once its CRDs are served; false while they are not. */
  private async kedaServed(): Promise<boolean> {
    // The watched CRD answers from the cache: no API call per reconcile, with or without KEDA.
    const crd = this.cache('keda-crd').get(undefined, KEDA_CRD);
    const conditions = (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)
      ?.conditions;
    if (!conditions?.some((c) => c.type === 'Established' && c.status === 'True')) return false;
    if (this.mgr.watching('scaledobjects')) return true;
    const toPattern = toControllerOwner('PrismPattern', RESOURCES.prismPattern.group);
    const sel = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
    this.mgr.watch('scaledobjects', { resource: RESOURCES.scaledObject, labelSelector: sel, map: toPattern });
    this.mgr.watch('triggerauthentications', {
      resource: RESOURCES.triggerAuthentication,
      labelSelector: sel,
      map: toPattern,
    });
    await Promise.all([
      this.cache('scaledobjects').waitForSync(30_000),
      this.cache('triggerauthentications').waitForSync(30_000),
    ]);
    return true;
  }

  private cache(name: string): Informer<Obj> {
    return this.mgr.cache<Obj>(name);
  }

  input(pattern: PrismPattern, owner: Owner): ScalerInput {
    return {
      owner,
      spec: pattern.spec.autoscaling ?? {},
      target: { apiVersion: 'apps/v1', kind: 'Deployment', name: owner.name },
      containers: [{ name: CONTAINER_NAME, resources: pattern.spec.resources }],
      // Connection metadata and credentials a bound PrismBackend supplies; explicit metadata wins.
      ...derivationOf(resolveBackend(this.mgr, pattern)),
    };
  }

  /** The engine's errors for an enabled autoscaler (warnings are reported as events during reconcile). */
  validate(pattern: PrismPattern): Finding[] {
    if (autoscalingMode(pattern) === 'off' || !pattern.metadata.uid || !pattern.metadata.namespace) return [];
    const owner: Owner = {
      apiVersion: pattern.apiVersion,
      kind: pattern.kind,
      name: pattern.metadata.name,
      namespace: pattern.metadata.namespace,
      uid: pattern.metadata.uid,
    };
    return engineFor(pattern.spec.autoscaling)
      .validate(this.input(pattern, owner))
      .filter((f) => f.severity === 'error');
  }

  async reconcile(
    ctx: ReconcileContext,
    pattern: PrismPattern,
    owner: Owner,
    deployment: Obj | undefined,
  ): Promise<ScalerOutcome> {
    try {
      return await this.reconcileEngine(ctx, pattern, owner, deployment);
    } catch (err) {
      // KEDA's CRDs were removed after we started using them: forget what discovery said and report it.
      if (autoscalingMode(pattern) !== 'keda' || !(err instanceof KubeApiError && err.code === 404))
        throw err;
      this.mgr.mapper.invalidate(KEDA_API);
      return kedaNotInstalled();
    }
  }

  private async reconcileEngine(
    ctx: ReconcileContext,
    pattern: PrismPattern,
    owner: Owner,
    deployment: Obj | undefined,
  ): Promise<ScalerOutcome> {
    const mode = autoscalingMode(pattern);
    const keda = await this.kedaServed();
    // Leave whatever scales the workload now in place: removing it for an engine that cannot run helps nobody.
    if (mode === 'keda' && !keda) return kedaNotInstalled();

    const plan = planSwitch({
      desired: mode === 'off' ? undefined : mode,
      observed: observeAutoscalers(this.autoscalerObjects(ctx.namespace, keda), owner),
      replicas: pattern.spec.replicas ?? 1,
      minReplicas: pattern.spec.autoscaling?.minReplicas ?? 1,
      deploymentReplicas: (deployment?.spec as { replicas?: number } | undefined)?.replicas,
    });
    for (const ref of plan.delete) {
      await this.mgr.applier.delete(ref, 'Background', ctx.writes);
    }
    // With autoscaling off the Deployment's own spec.replicas is applied; otherwise lift it once from 0.
    if (mode !== 'off' && plan.restoreReplicas !== undefined) await this.scaleTo(ctx, plan.restoreReplicas);
    if (!plan.apply) {
      return {
        mode,
        condition: { status: 'False', reason: plan.reason, message: plan.message },
        requeueAfterMs: SWITCH_POLL_MS,
      };
    }
    if (mode === 'off') {
      if (keda) await this.removeTriggerAuths(ctx, pattern, new Set());
      return {
        mode,
        condition: {
          status: 'True',
          reason: 'AutoscalingDisabled',
          message: 'autoscaling is off; replicas come from spec.replicas',
        },
      };
    }
    const engine = engineFor(pattern.spec.autoscaling);
    const input = this.input(pattern, owner);
    // Warnings are about the spec, so they are told once per generation, not on every resync.
    if (!generationObserved(pattern)) {
      for (const warning of engine.validate(input).filter((f) => f.severity === 'warning')) {
        void this.mgr.recorder.event(regardingOf(pattern), {
          type: 'Warning',
          reason: warning.reason,
          action: 'Validate',
          note: warning.message,
        });
      }
    }
    const keep = new Set<string>();
    let primary: Obj | undefined;
    for (const obj of engine.desired(input)) {
      const current = this.cache(CACHE_OF_KIND[obj.kind] ?? 'hpas').get(ctx.namespace, obj.metadata.name);
      const { changed, object } = await this.mgr.applier.apply(obj, current, ctx.writes);
      if (changed) {
        const verb = current ? 'Updated' : 'Created';
        void this.mgr.recorder.event(regardingOf(pattern), {
          type: 'Normal',
          reason: verb,
          action: 'Reconcile',
          note: `${verb.toLowerCase()} ${obj.kind} ${obj.metadata.name}`,
        });
      }
      if (obj.kind === 'TriggerAuthentication') keep.add(obj.metadata.name);
      else primary = current ?? object;
    }
    if (mode === 'keda') await this.removeTriggerAuths(ctx, pattern, keep);
    const status = withReplicas(engine.status(primary, input), deployment);
    return { mode, condition: scalerCondition(mode, status), status };
  }

  /** Every autoscaler-related object in the namespace the caches know (ours and KEDA's own HPAs). */
  private autoscalerObjects(namespace: string, keda: boolean): Obj[] {
    const names = keda ? ['hpas', 'scaledobjects', 'triggerauthentications'] : ['hpas'];
    return names.flatMap((n) => this.cache(n).list(namespace));
  }

  private async scaleTo(ctx: ReconcileContext, replicas: number): Promise<void> {
    await this.mgr.client.request({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${ctx.namespace}/deployments/${ctx.name}/scale`,
      body: { spec: { replicas } },
      contentType: CONTENT_TYPE.mergePatch,
    });
    ctx.writes.writes++;
  }

  private owned(
    cacheName: string,
    ctx: ReconcileContext,
    pattern: PrismPattern,
    name: string,
  ): Obj | undefined {
    const obj = this.cache(cacheName).get(ctx.namespace, name);
    return obj && isOwnedBy(obj, pattern) ? obj : undefined;
  }

  private async remove(ctx: ReconcileContext, ...objs: (Obj | undefined)[]): Promise<void> {
    for (const o of objs) {
      if (!o) continue;
      await this.mgr.applier.delete(
        { apiVersion: o.apiVersion, kind: o.kind, namespace: ctx.namespace, name: o.metadata.name },
        'Background',
        ctx.writes,
      );
    }
  }

  private async removeTriggerAuths(
    ctx: ReconcileContext,
    pattern: PrismPattern,
    keep: Set<string>,
  ): Promise<void> {
    const stale = this.cache('triggerauthentications')
      .byIndex('owner', pattern.metadata.uid ?? '')
      .filter((ta) => !keep.has(ta.metadata.name));
    await this.remove(ctx, ...stale);
  }
}

/**
 * KEDA reports no replica counts of its own: the Deployment's spec.replicas is
 * what KEDA's HPA (or KEDA itself, at zero) asked for, status.replicas what runs.
 */
function withReplicas(
  status: ScalerStatus | undefined,
  deployment: Obj | undefined,
): ScalerStatus | undefined {
  if (!status || !deployment) return status;
  const spec = deployment.spec as { replicas?: number } | undefined;
  const observed = deployment.status as { replicas?: number } | undefined;
  return {
    ...status,
    currentReplicas: status.currentReplicas ?? observed?.replicas ?? 0,
    desiredReplicas: status.desiredReplicas ?? spec?.replicas,
  };
}

function kedaNotInstalled(): ScalerOutcome {
  return {
    mode: 'keda',
    condition: {
      status: 'False',
      reason: 'KEDANotInstalled',
      message: 'KEDA is not installed (no scaledobjects.keda.sh CRD); the workload runs unscaled until it is',
    },
    requeueAfterMs: KEDA_POLL_MS,
  };
}

function scalerCondition(
  mode: AutoscalingMode,
  status: ScalerStatus | undefined,
): ScalerOutcome['condition'] {
  const conds = status?.conditions ?? [];
  if (mode === 'hpa') {
    const bad = conds.find(
      (c) => (c.type === 'AbleToScale' || c.type === 'ScalingActive') && c.status === 'False',
    );
    if (bad)
      return {
        status: 'False',
        reason: bad.reason ?? 'HPANotScaling',
        message: bad.message ?? 'the HPA cannot scale',
      };
    return conds.length
      ? {
          status: 'True',
          reason: 'HPAReady',
          message: 'the HorizontalPodAutoscaler is scaling the Deployment',
        }
      : {
          status: 'Unknown',
          reason: 'HPAPending',
          message: 'waiting for the HPA controller to report on the HPA',
        };
  }
  const ready = conds.find((c) => c.type === 'Ready');
  if (!ready || ready.status === 'Unknown') {
    return {
      status: 'Unknown',
      reason: 'ScaledObjectPending',
      message: 'waiting for KEDA to report on the ScaledObject',
    };
  }
  return ready.status === 'True'
    ? {
        status: 'True',
        reason: 'ScaledObjectReady',
        message: ready.message ?? 'KEDA is scaling the Deployment',
      }
    : {
        status: 'False',
        reason: ready.reason ?? 'ScaledObjectNotReady',
        message: ready.message ?? 'KEDA reports the ScaledObject is not ready',
      };
}
