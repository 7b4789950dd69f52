// What the status API returns for an object: pure functions from cached
// objects to JSON views. Specs are summarised (top-level scalars only, plus
// the pattern's autoscaling settings), so nothing nested, such as credential
// references, leaks into a dashboard.
import type { KubeObject } from '../runtime/informer.js';
import type { ApiKind } from './kinds.js';

type Json = Record<string, unknown>;

export interface TriggerView {
  type: string;
  name?: string;
  /** For resource metrics: the target, e.g. "80%". */
  target?: string;
}

export interface ScalerState {
  engine: 'hpa' | 'keda' | 'none';
  currentReplicas?: number;
  desiredReplicas?: number;
  readyReplicas?: number;
  minReplicas?: number;
  maxReplicas?: number;
  lastScaleTime?: string;
  active?: boolean;
  triggers: TriggerView[];
}

export interface ObjectView {
  kind: string;
  namespace: string;
  name: string;
  resourceVersion?: string;
  generation?: number;
  observedGeneration?: number;
  phase?: string;
  conditions: Json[];
  spec: Json;
  status: Json;
  scaler?: ScalerState;
}

/** The live workload objects of one pattern, read from the caches. */
export interface Workloads {
  deployment?: KubeObject;
  hpa?: KubeObject;
}

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const field = (o: KubeObject | undefined, part: 'spec' | 'status'): Json =>
  obj((o as Json | undefined)?.[part]);

/** Top-level scalar fields of a spec. */
export function specSummary(spec: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(spec))
    if (v === null || ['string', 'number', 'boolean'].includes(typeof v)) out[k] = v;
  return out;
}

function triggersOf(autoscaling: Json, engine: ScalerState['engine']): TriggerView[] {
  if (engine === 'keda')
    return (Array.isArray(autoscaling.triggers) ? autoscaling.triggers : []).map((t) => {
      const trigger = obj(t);
      const view: TriggerView = { type: str(trigger.type) ?? 'unknown' };
      const name = str(trigger.name);
      if (name) view.name = name;
      return view;
    });
  if (engine !== 'hpa') return [];
  const out: TriggerView[] = [];
  const cpu = num(autoscaling.targetCPUUtilizationPercentage);
  const memory = num(autoscaling.targetMemoryUtilizationPercentage);
  if (cpu !== undefined) out.push({ type: 'cpu', target: `${cpu}%` });
  if (memory !== undefined) out.push({ type: 'memory', target: `${memory}%` });
  const metrics = Array.isArray(autoscaling.metrics) ? autoscaling.metrics : [];
  for (const m of metrics) out.push({ type: str(obj(m).type)?.toLowerCase() ?? 'metric' });
  return out;
}

/**
 * A pattern's scaling at a glance: the live Deployment and HPA counts when
 * cached, else what the pattern's status last reported, else its spec.
 */
export function scalerState(pattern: KubeObject, live: Workloads = {}): ScalerState {
  const spec = field(pattern, 'spec');
  const status = field(pattern, 'status');
  const reported = obj(status.scaler);
  const autoscaling = obj(spec.autoscaling);
  const engine: ScalerState['engine'] =
    autoscaling.enabled === true ? (autoscaling.scaler === 'keda' ? 'keda' : 'hpa') : 'none';
  const dSpec = field(live.deployment, 'spec');
  const dStatus = field(live.deployment, 'status');
  const hSpec = field(live.hpa, 'spec');
  const hStatus = field(live.hpa, 'status');
  const state: ScalerState = {
    engine,
    currentReplicas:
      num(dStatus.replicas) ??
      num(hStatus.currentReplicas) ??
      num(reported.currentReplicas) ??
      num(status.replicas),
    readyReplicas: num(dStatus.readyReplicas) ?? num(status.readyReplicas),
    triggers: triggersOf(autoscaling, engine),
  };
  if (engine === 'none') state.desiredReplicas = num(dSpec.replicas) ?? num(spec.replicas) ?? 1;
  else {
    state.minReplicas =
      num(hSpec.minReplicas) ?? num(reported.minReplicas) ?? num(autoscaling.minReplicas) ?? 1;
    const desired = num(hStatus.desiredReplicas) ?? num(reported.desiredReplicas);
    // An HPA never wants fewer than minReplicas: a lower count (0) means it has computed nothing yet.
    const known = desired !== undefined && (engine === 'keda' || desired >= state.minReplicas);
    state.desiredReplicas = known ? desired : num(dSpec.replicas);
    state.maxReplicas = num(hSpec.maxReplicas) ?? num(reported.maxReplicas) ?? num(autoscaling.maxReplicas);
    state.lastScaleTime = str(hStatus.lastScaleTime) ?? str(reported.lastScaleTime);
    state.active = typeof reported.active === 'boolean' ? reported.active : undefined;
  }
  // Dropping unset fields keeps the JSON (and change detection on it) stable.
  return JSON.parse(JSON.stringify(state)) as ScalerState;
}

export function objectView(kind: ApiKind, o: KubeObject, live?: Workloads): ObjectView {
  const status = field(o, 'status');
  const view: ObjectView = {
    kind: kind.kind,
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name,
    resourceVersion: o.metadata.resourceVersion,
    generation: o.metadata.generation,
    observedGeneration: num(status.observedGeneration),
    phase: str(status.phase),
    conditions: (Array.isArray(status.conditions) ? status.conditions : []).map(obj),
    spec: specSummary(field(o, 'spec')),
    status,
  };
  if (kind.kind === 'PrismPattern') view.scaler = scalerState(o, live);
  return view;
}
