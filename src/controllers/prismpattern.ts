// The PrismPattern reconciler: a checklist of small steps (validate, workload
// children, autoscaler, status), each of which can be read and tested alone.
import {
  PrismPatternSpec,
  type PrismPatternStatus,
  type ScalerStatus,
} from '../api/v1alpha1/prismpattern.js';
import { schemaProblems } from '../api/v1alpha1/validate.js';
import { getCondition, setCondition, type Condition } from '../runtime/conditions.js';
import { regardingOf } from '../runtime/events.js';
import type { Informer } from '../runtime/informer.js';
import { KubeApiError } from '../runtime/kube-client.js';
import type { Manager, ReconcileContext, ReconcileResult, Reconciler } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';
import { keyOf, toControllerOwner, toSelf } from '../runtime/owners.js';
import { MANAGED_SELECTOR, ownerOf, type Owner } from '../resources/meta.js';
import {
  configMapFor,
  configMapName,
  deploymentFor,
  pdbFor,
  serviceFor,
  type BackendBinding,
} from '../resources/pattern.js';
import { decidePhase, type DeploymentObservation, type PatternObservation } from './pattern-status.js';
import { RESOURCES, apiVersionOf } from './resources.js';
import { indexPatternsByBackend, watchBackends } from './backend-refs.js';
import { derivationOf, resolveBackend, type Derivation } from './pattern-backend.js';
import { ScalerStep, autoscalingMode, patternWorkload, type ScalerOutcome } from './pattern-scaler.js';
import { patternKeysIn, watchTenantPolicies, type TenantPolicies } from './prismnamespace-policy.js';
import { checkTenantPolicy } from './tenant-policy.js';

export interface PrismPattern extends Obj {
  spec: PrismPatternSpec;
  status?: PrismPatternStatus;
}

/** A problem with the user's spec: becomes Ready=False, a Warning event, and no child is touched. */
export class SpecProblem extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const CHILD_WATCHES = [
  ['deployments', RESOURCES.deployment],
  ['services', RESOURCES.service],
  ['configmaps', RESOURCES.configMap],
  ['poddisruptionbudgets', RESOURCES.podDisruptionBudget],
] as const;

/** Registers the PrismPattern watches and reconciler with the manager. */
export function setupPrismPattern(mgr: Manager): PrismPatternReconciler {
  mgr.watch('prismpatterns', {
    resource: RESOURCES.prismPattern,
    map: toSelf('PrismPattern'),
    primary: true,
  });
  // A backend change re-queues the patterns bound to it (index on spec.backendRef).
  indexPatternsByBackend(mgr);
  watchBackends(mgr);
  const toPattern = toControllerOwner('PrismPattern', RESOURCES.prismPattern.group);
  for (const [name, resource] of CHILD_WATCHES) {
    mgr.watch(name, { resource, labelSelector: MANAGED_SELECTOR, map: toPattern });
  }
  const reconciler = new PrismPatternReconciler(mgr, watchTenantPolicies(mgr, patternKeysIn(mgr)));
  reconciler.scaler.watch();
  mgr.register(reconciler);
  return reconciler;
}

export class PrismPatternReconciler implements Reconciler {
  readonly kind = 'PrismPattern';
  readonly scaler: ScalerStep;

  constructor(
    private readonly mgr: Manager,
    private readonly tenants: TenantPolicies,
  ) {
    this.scaler = new ScalerStep(mgr, {
      kind: 'PrismPattern',
      wantingKeda: () =>
        this.cache<PrismPattern>('prismpatterns')
          .list()
          .filter((p) => autoscalingMode(p.spec.autoscaling) === 'keda')
          .map((p) => patternKey(p.metadata.namespace ?? '', p.metadata.name)),
    });
  }

  private cache<T extends Obj>(name: string): Informer<T> {
    return this.mgr.cache<T>(name);
  }

  async reconcile(ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const cached = this.cache<PrismPattern>('prismpatterns').get(ctx.namespace, ctx.name);
    // Deleted: owner references let the garbage collector remove every child.
    if (!cached || cached.metadata.deletionTimestamp) return undefined;
    // Builds on our own last status write even when the cache has not seen it yet.
    const pattern = this.mgr.applier.withOwnStatus(cached);
    const owner = ownerOf(pattern);

    // The backend it binds to must exist; until it does, the workload is left as it is.
    const backend = resolveBackend(this.mgr, pattern);
    if (backend.kind === 'missing') {
      if (getCondition(pattern.status?.conditions, 'Ready')?.reason !== backend.reason)
        this.warn(pattern, backend.reason, backend.message);
      await this.writeStatus(ctx, pattern, { blocked: backend, autoscaling: 'off' }, undefined);
      return undefined; // the backend watch re-queues the pattern when the backend appears
    }

    const invalid = this.validate(pattern, derivationOf(backend));
    if (invalid) {
      // Said once per generation and reason (a tenant policy changes without a new generation):
      // a resync of an unchanged invalid spec writes nothing.
      if (!generationObserved(pattern) || readyReason(pattern) !== invalid.reason)
        this.warn(pattern, invalid.reason, invalid.message);
      await this.writeStatus(ctx, pattern, { invalid, autoscaling: 'off' }, undefined);
      return undefined; // nothing to retry until the spec changes
    }

    let applyFailed: PatternObservation['applyFailed'];
    let scaler: ScalerOutcome | undefined;
    try {
      await this.reconcileWorkload(
        ctx,
        pattern,
        owner,
        backend.kind === 'bound' ? backend.binding : undefined,
      );
      scaler = await this.scaler.reconcile(
        ctx,
        patternWorkload(pattern, derivationOf(backend)),
        this.deployment(ctx),
      );
    } catch (err) {
      if (!(err instanceof KubeApiError && (err.code === 422 || err.code === 400))) throw err;
      // The API server refused what the spec asked for: a user error, not a transient one.
      applyFailed = { reason: 'ApplyFailed', message: err.message };
      if (!generationObserved(pattern)) this.warn(pattern, 'ApplyFailed', err.message);
    }
    const d = this.deployment(ctx);
    await this.writeStatus(
      ctx,
      pattern,
      {
        applyFailed,
        autoscaling: scaler?.mode ?? 'off',
        deployment: d && {
          generation: d.metadata.generation,
          specReplicas: (d.spec as { replicas?: number } | undefined)?.replicas,
          status: d.status as DeploymentObservation['status'],
        },
      },
      scaler,
    );
    return scaler?.requeueAfterMs ? { requeueAfterMs: scaler.requeueAfterMs } : undefined;
  }

  /** Step 1: the spec must match the schema (the CRD may be older) and the scaler's rules. */
  private validate(
    pattern: PrismPattern,
    derived: Derivation,
  ): { reason: string; message: string } | undefined {
    const problems = schemaProblems(PrismPatternSpec, pattern.spec);
    if (problems.length) {
      return { reason: 'InvalidSpec', message: problems.map((p) => `${p.path}: ${p.message}`).join('; ') };
    }
    const errors = this.scaler.validate(patternWorkload(pattern, derived));
    if (errors.length) return { reason: errors[0]!.reason, message: errors.map((e) => e.message).join('; ') };
    return checkTenantPolicy(pattern.spec, this.tenants.for(pattern.metadata.namespace ?? ''));
  }

  /** Step 2: ConfigMap, Deployment, Service and PDB; optional children are deleted when their field goes. */
  private async reconcileWorkload(
    ctx: ReconcileContext,
    pattern: PrismPattern,
    owner: Owner,
    binding: BackendBinding | undefined,
  ): Promise<void> {
    const spec = pattern.spec;
    await this.applyOrDelete(
      ctx,
      pattern,
      'configmaps',
      configMapName(owner.name),
      configMapFor(owner, spec),
    );
    await this.applyOrDelete(ctx, pattern, 'deployments', owner.name, deploymentFor(owner, spec, binding));
    await this.applyOrDelete(ctx, pattern, 'services', owner.name, serviceFor(owner, spec));
    await this.applyOrDelete(ctx, pattern, 'poddisruptionbudgets', owner.name, pdbFor(owner, spec));
  }

  async applyOrDelete(
    ctx: ReconcileContext,
    pattern: PrismPattern,
    cacheName: string,
    name: string,
    desired: Obj | undefined,
  ): Promise<void> {
    const current = this.cache<Obj>(cacheName).get(ctx.namespace, name);
    if (desired) {
      const { changed } = await this.mgr.applier.apply(desired, current, ctx.writes);
      if (changed) ctx.changes.add(pattern, current ? 'Updated' : 'Created', `${desired.kind} ${name}`);
      return;
    }
    if (!current || !isOwnedBy(current, pattern)) return;
    const resource = CHILD_WATCHES.find(([n]) => n === cacheName)?.[1];
    if (!resource) return;
    const deleted = await this.mgr.applier.delete(
      { apiVersion: apiVersionOf(resource), kind: resource.kind, namespace: ctx.namespace, name },
      'Background',
      ctx.writes,
    );
    if (deleted) ctx.changes.add(pattern, 'Deleted', `${resource.kind} ${name} (no longer in the spec)`);
  }

  private deployment(ctx: ReconcileContext): Obj | undefined {
    return this.cache<Obj>('deployments').get(ctx.namespace, ctx.name);
  }

  /** Step 4: phase, counts and conditions, written only when they changed. */
  private async writeStatus(
    ctx: ReconcileContext,
    pattern: PrismPattern,
    observation: PatternObservation,
    scaler: ScalerOutcome | undefined,
  ): Promise<void> {
    const verdict = decidePhase(observation);
    const generation = pattern.metadata.generation ?? 0;
    const now = new Date();
    let conditions: Condition[] = setCondition(
      pattern.status?.conditions ?? [],
      {
        type: 'Ready',
        status: verdict.ready ? 'True' : 'False',
        reason: verdict.reason,
        message: verdict.message,
        observedGeneration: generation,
      },
      now,
    );
    if (scaler) {
      conditions = setCondition(
        conditions,
        { type: 'ScalerReady', ...scaler.condition, observedGeneration: generation },
        now,
      );
    }
    const d = observation.deployment?.status;
    const status: PrismPatternStatus = {
      phase: verdict.phase,
      observedGeneration: generation,
      replicas: d?.replicas ?? 0,
      readyReplicas: d?.readyReplicas ?? 0,
      availableReplicas: d?.availableReplicas ?? 0,
      conditions: conditions,
    };
    const scalerStatus: ScalerStatus | undefined =
      scaler?.status ?? (observation.invalid || observation.blocked ? pattern.status?.scaler : undefined);
    if (scalerStatus) status.scaler = scalerStatus;
    await this.mgr.applier.patchStatus(pattern, status, ctx.writes);
  }

  event(pattern: PrismPattern, type: 'Normal' | 'Warning', reason: string, note: string): void {
    void this.mgr.recorder.event(regardingOf(pattern), { type, reason, action: 'Reconcile', note });
  }

  /** Warning events are aggregated by the recorder, so a stuck object does not flood the API. */
  private warn(pattern: PrismPattern, reason: string, message: string): void {
    this.event(pattern, 'Warning', reason, message);
  }
}

/** True once the status reflects the current spec generation. */
export function generationObserved(obj: Obj): boolean {
  const status = obj.status as { observedGeneration?: number } | undefined;
  return status?.observedGeneration === obj.metadata.generation;
}

function readyReason(pattern: PrismPattern): string | undefined {
  return pattern.status?.conditions?.find((c) => c.type === 'Ready')?.reason;
}

export function isOwnedBy(child: Obj, owner: Obj): boolean {
  return (child.metadata.ownerReferences ?? []).some(
    (r) => r.uid === owner.metadata.uid && r.controller === true,
  );
}

export const patternKey = (namespace: string, name: string) => keyOf('PrismPattern', namespace, name);
