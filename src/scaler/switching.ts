// Switching engines, as a pure decision: which autoscaler objects to delete,
// whether the desired engine may be applied yet, and whether the Deployment's
// replicas need restoring. Two autoscalers never target the Deployment at once
// (the old engine's objects go first, the new one is applied once they are
// gone), and nothing waits on a create that cannot succeed.
import type { Owner } from '../resources/meta.js';
import type { Obj } from '../runtime/object.js';
import { ScalerError } from './findings.js';
import { defaultRegistry, type ScalerRegistry } from './registry.js';
import type { ScalerEngine } from './types.js';

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  /** For a delete precondition, so a re-created object of the same name is left alone. */
  uid?: string;
}

export interface ObservedAutoscaler {
  engine: string;
  ref: ObjectRef;
  /** deletionTimestamp is set: deletion was asked for and waits on finalizers. */
  deleting: boolean;
  /** Scales the workload (HPA, ScaledObject), as opposed to a support object (TriggerAuthentication). */
  scalesWorkload: boolean;
  /** Created by the engine's own controller (KEDA's HPA) and garbage-collected with the engine's object. */
  indirect: boolean;
}

export interface SwitchInput {
  /** The engine that should run (`hpa`, `keda`, ...), or undefined when autoscaling is off. */
  desired: string | undefined;
  /** Autoscaler objects for the pattern, from the caches (see observeAutoscalers). */
  observed: readonly ObservedAutoscaler[];
  /** spec.replicas: what the Deployment runs with autoscaling off. */
  replicas: number;
  /** spec.autoscaling.minReplicas (default 1). */
  minReplicas: number;
  /** The Deployment's spec.replicas as cached, when known. */
  deploymentReplicas?: number;
}

export type Verdict = 'Apply' | 'Wait';

export interface Decision {
  reason: string;
  message: string;
  verdict: Verdict;
}

export interface SwitchPlan extends Decision {
  /** Delete these now (none is already being deleted). */
  delete: ObjectRef[];
  /** Apply the desired engine's objects; false = wait until the deletions are gone, then look again. */
  apply: boolean;
  /**
   * Set the Deployment to this many replicas now: spec.replicas when autoscaling is
   * off, or minReplicas when an engine that cannot scale from zero finds it at 0.
   * Write it once through the scale subresource (or spec.replicas when autoscaling is off).
   */
  restoreReplicas?: number;
}

const refOf = (obj: Obj): ObjectRef => ({
  apiVersion: obj.apiVersion,
  kind: obj.kind,
  namespace: obj.metadata.namespace ?? '',
  name: obj.metadata.name,
  ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
});

const controlledBy = (obj: Obj, owner: Owner) =>
  (obj.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === owner.uid);

function classify(
  obj: Obj,
  owner: Owner,
  registry: ScalerRegistry,
  name: string,
): ObservedAutoscaler | undefined {
  const base = { ref: refOf(obj), deleting: obj.metadata.deletionTimestamp !== undefined };
  if (controlledBy(obj, owner)) {
    const engine = registry.engineOwningKind(obj.apiVersion, obj.kind);
    const kind = engine?.kinds.find((k) => k.kind === obj.kind);
    if (engine && kind)
      return { ...base, engine: engine.name, scalesWorkload: kind.scalesWorkload, indirect: false };
    return undefined;
  }
  const creator = registry.all().find((e) => e.createdForOwner?.(obj, owner, name));
  return creator ? { ...base, engine: creator.name, scalesWorkload: true, indirect: true } : undefined;
}

/**
 * The autoscaler objects among `objects` (from the caches) that belong to the
 * owner: its own children of an engine's kinds, and objects an engine's
 * controller made for its autoscaler named `name` (KEDA's HPA). Anything else is left out.
 */
export function observeAutoscalers(
  objects: readonly Obj[],
  owner: Owner,
  registry: ScalerRegistry = defaultRegistry,
  name: string = owner.name,
): ObservedAutoscaler[] {
  return objects.flatMap((obj) => classify(obj, owner, registry, name) ?? []);
}

interface Situation {
  input: SwitchInput;
  engine: ScalerEngine | undefined;
  /** Objects of engines other than the desired one. */
  stale: ObservedAutoscaler[];
  deletable: ObservedAutoscaler[];
}

type Policy = (s: Situation) => Decision | undefined;

const describe = (o: ObservedAutoscaler) => `${o.ref.kind} ${o.ref.name} (${o.engine} engine)`;
const goal = (s: Situation) =>
  s.engine ? `before the ${s.engine.name} engine's objects are created` : 'because autoscaling is off';

/** An object created by an engine's controller goes with its creator; it is ours to delete only once orphaned. */
function isDeletable(o: ObservedAutoscaler, observed: readonly ObservedAutoscaler[]): boolean {
  if (o.deleting) return false;
  if (!o.indirect) return true;
  return !observed.some((p) => p.engine === o.engine && !p.indirect && p.scalesWorkload);
}

const deletingOldAutoscaler: Policy = (s) => {
  const now = s.deletable.filter((o) => o.scalesWorkload);
  if (!now.length) return undefined;
  return {
    verdict: 'Wait',
    reason: 'DeletingPreviousAutoscaler',
    message: `deleting ${now.map(describe).join(', ')} ${goal(s)}, so two autoscalers never scale the Deployment`,
  };
};

const waitingForOldAutoscaler: Policy = (s) => {
  const blocking = s.stale.filter((o) => o.scalesWorkload);
  if (!blocking.length) return undefined;
  const why = (o: ObservedAutoscaler) =>
    o.indirect
      ? `${describe(o)}, which goes away with the object that created it`
      : `${describe(o)}, which waits on its finalizers (a ScaledObject needs KEDA's operator running)`;
  return {
    verdict: 'Wait',
    reason: 'WaitingForAutoscalerDeletion',
    message: `waiting for ${blocking.map(why).join('; ')} ${goal(s)}`,
  };
};

const autoscalingOff: Policy = (s) =>
  s.engine
    ? undefined
    : {
        verdict: 'Apply',
        reason: 'AutoscalingDisabled',
        message: `autoscaling is off; the Deployment runs spec.replicas (${s.input.replicas})`,
      };

const restoreFromZero: Policy = (s) =>
  s.engine && !s.engine.scalesFromZero && s.input.deploymentReplicas === 0
    ? {
        verdict: 'Apply',
        reason: 'RestoringReplicas',
        message:
          `the Deployment is at 0 replicas, where the ${s.engine.name} engine never scales it; ` +
          `scaling it to ${floorOf(s.input)}`,
      }
    : undefined;

const engineInPlace: Policy = (s) => ({
  verdict: 'Apply',
  reason: 'EngineSelected',
  message: `the ${s.engine?.name ?? ''} engine scales the Deployment`,
});

/** First match wins; the last always matches. */
const POLICIES: readonly Policy[] = [
  deletingOldAutoscaler,
  waitingForOldAutoscaler,
  autoscalingOff,
  restoreFromZero,
  engineInPlace,
];

const floorOf = (input: SwitchInput) => Math.max(input.minReplicas, 1);

function restoreReplicas(s: Situation): number | undefined {
  if (!s.engine) return s.input.replicas;
  // Restored at once, even while waiting: after a ScaledObject leaves, nothing else lifts the workload from 0.
  if (!s.engine.scalesFromZero && s.input.deploymentReplicas === 0) return floorOf(s.input);
  return undefined;
}

function engineNamed(name: string | undefined, registry: ScalerRegistry): ScalerEngine | undefined {
  if (name === undefined) return undefined;
  const engine = registry.get(name);
  if (!engine)
    throw new ScalerError(
      'UnknownScaler',
      `scaler ${JSON.stringify(name)} is not one of ${registry.names().join(', ')}`,
    );
  return engine;
}

export function planSwitch(input: SwitchInput, registry: ScalerRegistry = defaultRegistry): SwitchPlan {
  const engine = engineNamed(input.desired, registry);
  const stale = input.observed.filter((o) => o.engine !== input.desired);
  const deletable = stale.filter((o) => isDeletable(o, input.observed));
  const situation: Situation = { input, engine, stale, deletable };
  let decision: Decision | undefined;
  for (const policy of POLICIES) {
    decision = policy(situation);
    if (decision) break;
  }
  const plan: SwitchPlan = {
    ...decision!,
    // Objects the engine's controller made go last: their creator's deletion usually takes them along.
    delete: [...deletable.filter((o) => !o.indirect), ...deletable.filter((o) => o.indirect)].map(
      (o) => o.ref,
    ),
    apply: decision!.verdict === 'Apply',
  };
  const restore = restoreReplicas(situation);
  if (restore !== undefined) plan.restoreReplicas = restore;
  return plan;
}
