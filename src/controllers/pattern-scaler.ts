// The autoscaler step, shared by every reconciler that scales a Deployment (a
// PrismPattern's runner, a PrismStack's proxy). Picks the engine, makes sure
// two autoscalers never target the Deployment at once (the old engine's
// objects go first), and survives KEDA not being installed.
import type { AutoscalingSpec } from '../api/v1alpha1/common.js';
import type { ScalerStatus } from '../api/v1alpha1/prismpattern.js';
import { regardingOf } from '../runtime/events.js';
import type { Informer } from '../runtime/informer.js';
import { OWNER_INDEX } from '../runtime/informer-cache.js';
import { CONTENT_TYPE, KubeApiError } from '../runtime/kube-client.js';
import type { Manager, ReconcileContext } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';
import { keyOf, toControllerOwner } from '../runtime/owners.js';
import { MANAGED_BY, MANAGED_BY_LABEL, ownerOf } from '../resources/meta.js';
import { SCALED_OBJECT_NAME_LABEL } from '../scaler/keda.js';
import { scalerFindings, patternScalerInput } from '../scaler/pattern-input.js';
import { errorsOf } from '../scaler/findings.js';
import { engineFor } from '../scaler/registry.js';
import { scaledName } from '../scaler/spec-checks.js';
import { observeAutoscalers, planSwitch } from '../scaler/switching.js';
import type { Finding, ScalerInput } from '../scaler/types.js';
import { crdEstablished, watchCrd } from './crd-presence.js';
import type { PrismPattern } from './prismpattern.js';
import { generationObserved } from './prismpattern.js';
import { RESOURCES, apiVersionOf } from './resources.js';
import type { Derivation } from './pattern-backend.js';

export type AutoscalingMode = 'off' | 'hpa' | 'keda';

export interface ScalerOutcome {
  mode: AutoscalingMode;
  condition: { status: 'True' | 'False' | 'Unknown'; reason: string; message: string };
  status?: ScalerStatus;
  requeueAfterMs?: number;
}

/** One Deployment scaled on behalf of a custom resource. */
export interface ScaledWorkload {
  /** The custom resource: it owns the autoscaler, events name it, warnings are told once per generation. */
  obj: Obj;
  /** Owner, autoscaling spec, target Deployment, containers and object names for the engines. */
  input: ScalerInput;
  /** The Deployment's replicas while autoscaling is off. */
  replicas: number;
}

/** A kind whose objects scale Deployments through this step. */
export interface ScalingKind {
  kind: string;
  /** Keys of the objects of this kind that want KEDA: re-queued when KEDA's CRD comes or goes. */
  wantingKeda: () => string[];
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

export function autoscalingMode(spec: AutoscalingSpec | undefined): AutoscalingMode {
  return spec?.enabled ? (spec.scaler ?? 'hpa') : 'off';
}

/**
 * The PrismPattern's runner Deployment, named after the pattern. `derived` is the connection metadata and
 * credentials a bound PrismBackend supplies; explicit trigger metadata wins over it.
 */
export function patternWorkload(pattern: PrismPattern, derived: Derivation = {}): ScaledWorkload {
  const owner = ownerOf(pattern);
  return {
    obj: pattern,
    replicas: pattern.spec.replicas ?? 1,
    input: { ...patternScalerInput(owner, pattern.spec), ...derived },
  };
}

const KEDA_HPA_INDEX = 'keda-scaled-object';

/** The kinds using the step, per manager: the autoscaler watches are shared, so they map to all of them. */
const SCALING_KINDS = new WeakMap<Manager, ScalingKind[]>();

export class ScalerStep {
  constructor(
    private readonly mgr: Manager,
    private readonly scalingKind: ScalingKind,
  ) {}

  /** HPAs are watched whether ours or KEDA's, so a switch can wait for KEDA's HPA to go. */
  watch(): void {
    const known = SCALING_KINDS.get(this.mgr);
    if (known) {
      known.push(this.scalingKind);
      return;
    }
    const kinds = [this.scalingKind];
    SCALING_KINDS.set(this.mgr, kinds);
    // KEDA's CRD appearing or going re-queues everything that wants KEDA, so it recovers at once.
    watchCrd(this.mgr, 'keda-crd', KEDA_CRD, () => {
      this.mgr.mapper.invalidate(KEDA_API);
      return kinds.flatMap((k) => k.wantingKeda());
    });
    this.mgr.watch('hpas', {
      resource: RESOURCES.hpa,
      labelSelector: `${MANAGED_BY_LABEL} in (${MANAGED_BY},keda-operator)`,
      map: (obj) => [
        ...this.toOwners(obj),
        // KEDA's HPA is owned by the ScaledObject, which is owned by ours.
        ...(obj.metadata.ownerReferences ?? [])
          .filter((r) => r.kind === 'ScaledObject')
          .flatMap((r) => this.scaledObjectOwners(obj.metadata.namespace, r.name)),
      ],
    });
    // KEDA's HPA by the ScaledObject it was made for, so finding a pattern's autoscalers is a lookup, not a scan.
    this.cache('hpas').addIndex(KEDA_HPA_INDEX, (hpa) => {
      const ns = hpa.metadata.namespace ?? '';
      const names = (hpa.metadata.ownerReferences ?? [])
        .filter((r) => r.kind === 'ScaledObject')
        .map((r) => r.name);
      const label = hpa.metadata.labels?.[SCALED_OBJECT_NAME_LABEL];
      return [...new Set(label ? [...names, label] : names)].map((n) => `${ns}/${n}`);
    });
  }

  /** Keys of the controller owners of `obj` among the kinds using the step. */
  private toOwners(obj: Obj): string[] {
    const kinds = SCALING_KINDS.get(this.mgr) ?? [];
    return kinds.flatMap((k) => toControllerOwner(k.kind, RESOURCES.prismPattern.group)(obj));
  }

  private scaledObjectOwners(namespace: string | undefined, name: string): string[] {
    const so = this.mgr.watching('scaledobjects')
      ? this.cache('scaledobjects').get(namespace, name)
      : undefined;
    if (so) return this.toOwners(so);
    // The ScaledObject is gone already: a pattern's is named after the pattern (others poll while switching).
    return [keyOf('PrismPattern', namespace, name)];
  }

  /** Starts watching KEDA's kinds once its CRDs are served; false while they are not. */
  private async kedaServed(): Promise<boolean> {
    // The watched CRD answers from the cache: no API call per reconcile, with or without KEDA.
    if (!crdEstablished(this.mgr, 'keda-crd', KEDA_CRD)) return false;
    if (this.mgr.watching('scaledobjects')) return true;
    const sel = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
    const map = (obj: Obj) => this.toOwners(obj);
    this.mgr.watch('scaledobjects', { resource: RESOURCES.scaledObject, labelSelector: sel, map });
    this.mgr.watch('triggerauthentications', {
      resource: RESOURCES.triggerAuthentication,
      labelSelector: sel,
      map,
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

  /** The engine's errors for an enabled autoscaler (warnings are reported as events during reconcile). */
  validate(w: ScaledWorkload): Finding[] {
    return errorsOf(scalerFindings(w.input));
  }

  async reconcile(
    ctx: ReconcileContext,
    w: ScaledWorkload,
    deployment: Obj | undefined,
  ): Promise<ScalerOutcome> {
    try {
      return await this.reconcileEngine(ctx, w, deployment);
    } catch (err) {
      // KEDA's CRDs were removed after we started using them: forget what discovery said and report it.
      if (autoscalingMode(w.input.spec) !== 'keda' || !(err instanceof KubeApiError && err.code === 404))
        throw err;
      this.mgr.mapper.invalidate(KEDA_API);
      return kedaNotInstalled();
    }
  }

  private async reconcileEngine(
    ctx: ReconcileContext,
    w: ScaledWorkload,
    deployment: Obj | undefined,
  ): Promise<ScalerOutcome> {
    const { input } = w;
    const mode = autoscalingMode(input.spec);
    const keda = await this.kedaServed();
    // Leave whatever scales the workload now in place: removing it for an engine that cannot run helps nobody.
    if (mode === 'keda' && !keda) return kedaNotInstalled();

    const plan = planSwitch({
      desired: mode === 'off' ? undefined : mode,
      observed: observeAutoscalers(
        this.autoscalerObjects(ctx.namespace, keda, input.owner.uid, scaledName(input)),
        input.owner,
        undefined,
        scaledName(input),
      ),
      replicas: w.replicas,
      minReplicas: input.spec.minReplicas ?? 1,
      deploymentReplicas: (deployment?.spec as { replicas?: number } | undefined)?.replicas,
    });
    for (const ref of plan.delete) {
      if (await this.mgr.applier.delete(ref, 'Background', ctx.writes))
        ctx.changes.add(w.obj, 'Deleted', `${ref.kind} ${ref.name} (autoscaling is now ${mode})`);
    }
    // With autoscaling off the Deployment's own spec.replicas is applied; otherwise lift it once from 0.
    if (mode !== 'off' && plan.restoreReplicas !== undefined)
      await this.scaleTo(ctx, input.target.name, plan.restoreReplicas);
    if (!plan.apply) {
      return {
        mode,
        condition: { status: 'False', reason: plan.reason, message: plan.message },
        requeueAfterMs: SWITCH_POLL_MS,
      };
    }
    if (mode === 'off') {
      if (keda) await this.removeTriggerAuths(ctx, w.obj, new Set());
      return {
        mode,
        condition: {
          status: 'True',
          reason: 'AutoscalingDisabled',
          message: 'autoscaling is off; replicas come from spec.replicas',
        },
      };
    }
    const engine = engineFor(input.spec);
    // Warnings are about the spec, so they are told once per generation, not on every resync.
    if (!generationObserved(w.obj)) {
      for (const warning of engine.validate(input).filter((f) => f.severity === 'warning')) {
        void this.mgr.recorder.event(regardingOf(w.obj), {
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
      if (changed)
        ctx.changes.add(w.obj, current ? 'Updated' : 'Created', `${obj.kind} ${obj.metadata.name}`);
      if (obj.kind === 'TriggerAuthentication') keep.add(obj.metadata.name);
      else primary = current ?? object;
    }
    if (mode === 'keda') await this.removeTriggerAuths(ctx, w.obj, keep);
    const status = withReplicas(engine.status(primary, input), deployment);
    return { mode, condition: scalerCondition(mode, status), status };
  }

  /**
   * The autoscaler objects that may belong to the owner: those it owns, and HPAs KEDA made for a
   * ScaledObject named `scaledName` (observeAutoscalers decides which count). Index lookups: a scan of
   * the namespace per reconcile made convergence quadratic in the number of patterns.
   */
  private autoscalerObjects(namespace: string, keda: boolean, ownerUid: string, scaledName: string): Obj[] {
    const names = keda ? ['hpas', 'scaledobjects', 'triggerauthentications'] : ['hpas'];
    const found = names.flatMap((n) => this.cache(n).byIndex(OWNER_INDEX, ownerUid));
    found.push(...this.cache('hpas').byIndex(KEDA_HPA_INDEX, `${namespace}/${scaledName}`));
    return [...new Set(found)];
  }

  private async scaleTo(ctx: ReconcileContext, deployment: string, replicas: number): Promise<void> {
    await this.mgr.client.request({
      method: 'PATCH',
      path: `/apis/apps/v1/namespaces/${ctx.namespace}/deployments/${deployment}/scale`,
      body: { spec: { replicas } },
      contentType: CONTENT_TYPE.mergePatch,
    });
    ctx.writes.writes++;
  }

  private async removeTriggerAuths(ctx: ReconcileContext, owner: Obj, keep: Set<string>): Promise<void> {
    const stale = this.cache('triggerauthentications')
      .byIndex(OWNER_INDEX, owner.metadata.uid ?? '')
      .filter((ta) => !keep.has(ta.metadata.name));
    for (const ta of stale) {
      const ref = {
        apiVersion: ta.apiVersion,
        kind: ta.kind,
        namespace: ctx.namespace,
        name: ta.metadata.name,
      };
      if (await this.mgr.applier.delete(ref, 'Background', ctx.writes))
        ctx.changes.add(owner, 'Deleted', `TriggerAuthentication ${ta.metadata.name} (no longer needed)`);
    }
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
