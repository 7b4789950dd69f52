// The PrismStack's status, from the caches: the proxy's and admin's
// Deployments, the child custom resources' own status, the autoscaler and the
// ServiceMonitor. Decisions are the pure functions of prismstack-status.ts;
// this module only gathers what they need and writes the result if it changed.
import type { ChildSummary, PrismStackStatus } from '../api/v1alpha1/prismstack.js';
import { setCondition, type Condition, type ConditionUpdate } from '../runtime/conditions.js';
import type { Manager, ReconcileContext } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';
import { adminEnabled, adminName, childName, proxyName } from '../resources/stack-meta.js';
import type { ScalerOutcome } from './pattern-scaler.js';
import { decidePhase, type DeploymentObservation, type PhaseVerdict } from './pattern-status.js';
import type { MonitoringOutcome } from './prismstack-monitoring.js';
import {
  childState,
  childrenCondition,
  countText,
  decideStackPhase,
  deploymentCondition,
  type ChildState,
  type PartCondition,
} from './prismstack-status.js';
import type { PrismStack } from './prismstack-types.js';

export interface ReconcileOutcome {
  invalid?: { reason: string; message: string };
  applyFailed?: { reason: string; message: string };
  scaler?: ScalerOutcome;
  monitoring?: MonitoringOutcome;
}

function observe(d: Obj | undefined): DeploymentObservation | undefined {
  return (
    d && {
      generation: d.metadata.generation,
      specReplicas: (d.spec as { replicas?: number } | undefined)?.replicas,
      status: d.status as DeploymentObservation['status'],
    }
  );
}

const summary = ({ name, phase, ready }: ChildState): ChildSummary =>
  phase === undefined ? { name, ready } : { name, phase, ready };

export async function writeStackStatus(
  mgr: Manager,
  ctx: ReconcileContext,
  stack: PrismStack,
  outcome: ReconcileOutcome,
): Promise<void> {
  const { spec } = stack;
  const stackName = stack.metadata.name;
  const deployments = mgr.cache<Obj>('deployments');
  const proxy = observe(deployments.get(ctx.namespace, proxyName(stackName)));
  const admin = adminEnabled(spec)
    ? observe(deployments.get(ctx.namespace, adminName(stackName)))
    : undefined;
  const proxyVerdict = decidePhase({ deployment: proxy, autoscaling: outcome.scaler?.mode ?? 'off' });
  const adminVerdict: PhaseVerdict | undefined = adminEnabled(spec)
    ? decidePhase({ deployment: admin, autoscaling: 'off' })
    : undefined;

  const children = (cacheName: string, entries: readonly { name: string }[] | undefined) =>
    (entries ?? []).map((e) =>
      childState(e.name, mgr.cache<Obj>(cacheName).get(ctx.namespace, childName(stackName, e.name))),
    );
  const patterns = children('prismpatterns', spec.patterns);
  const backends = children('prismbackends', spec.backends);
  const namespaces = children('prismnamespaces', spec.namespaces);

  const parts: Record<string, PartCondition> = {
    ProxyReady: deploymentCondition('proxy', proxyVerdict),
    AdminReady: deploymentCondition('admin', adminVerdict),
    PatternsReady: childrenCondition('pattern', patterns),
    BackendsReady: childrenCondition('backend', backends),
    NamespacesReady: childrenCondition('namespace', namespaces),
  };
  const verdict = decideStackPhase({
    invalid: outcome.invalid,
    applyFailed: outcome.applyFailed,
    parts,
    proxyObserved: proxyVerdict.phase !== 'Pending',
  });

  const generation = stack.metadata.generation ?? 0;
  const now = new Date();
  const set = (conds: Condition[], type: string, c: Omit<ConditionUpdate, 'type'>) =>
    setCondition(
      conds,
      { type, status: c.status, reason: c.reason, message: c.message ?? '', observedGeneration: generation },
      now,
    );
  let conditions = set(stack.status?.conditions ?? [], 'Ready', {
    status: verdict.ready ? 'True' : 'False',
    reason: verdict.reason,
    message: verdict.message,
  });
  for (const [type, part] of Object.entries(parts)) conditions = set(conditions, type, part);
  // Not part of Ready: the proxy serves without its autoscaler, the stack without a ServiceMonitor.
  if (outcome.scaler) {
    conditions = set(conditions, 'ProxyScalerReady', outcome.scaler.condition);
  }
  if (outcome.monitoring) conditions = set(conditions, 'ObservabilityReady', outcome.monitoring);

  const replicas = (d: DeploymentObservation | undefined) => ({
    replicas: d?.status?.replicas ?? 0,
    readyReplicas: d?.status?.readyReplicas ?? 0,
  });
  const status: PrismStackStatus = {
    phase: verdict.phase,
    observedGeneration: generation,
    conditions,
    proxy: replicas(proxy),
    patterns: patterns.map(summary),
    backends: backends.map(summary),
    namespaces: namespaces.map(summary),
    summary: {
      proxy: `${proxy?.status?.readyReplicas ?? 0}/${proxy?.specReplicas ?? 0}`,
      patterns: countText(patterns),
      backends: countText(backends),
      namespaces: countText(namespaces),
    },
  };
  if (adminEnabled(spec)) status.admin = replicas(admin);
  await mgr.applier.patchStatus(stack, status, ctx.writes);
}
