// Pure decisions about a PrismStack's status: a summary per child from its
// status.phase and Ready condition, one condition per part of the stack, and
// the stack's phase and Ready from those. The first rule that fires decides.
import type { ChildSummary, StackPhase } from '../api/v1alpha1/prismstack.js';
import type { Obj } from '../runtime/object.js';
import type { PhaseVerdict } from './pattern-status.js';

/** Child phases that mean something is wrong (the Prism kinds' failure phases), not just in progress. */
export const FAILED_PHASES: readonly string[] = ['Degraded', 'Invalid', 'Unreachable', 'Failed'];

export interface ChildState extends ChildSummary {
  failed: boolean;
  /** The child's Ready message, or why there is none yet. */
  message: string;
}

interface ChildStatus {
  phase?: string;
  observedGeneration?: number;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
}

/** What a child reports: ready only when its Ready condition is True for its current generation. */
export function childState(entry: string, child: Obj | undefined): ChildState {
  if (!child) return { name: entry, ready: false, failed: false, message: 'not created yet' };
  const status = (child.status ?? {}) as ChildStatus;
  const ready = status.conditions?.find((c) => c.type === 'Ready');
  const current = status.observedGeneration === child.metadata.generation;
  const summary: ChildState = {
    name: entry,
    ready: current && ready?.status === 'True',
    failed: current && status.phase !== undefined && FAILED_PHASES.includes(status.phase),
    message: !current
      ? 'waiting for its controller to observe the latest spec'
      : (ready?.message ?? 'no Ready condition yet'),
  };
  if (status.phase !== undefined) summary.phase = status.phase;
  return summary;
}

export interface PartCondition {
  status: 'True' | 'False';
  reason: string;
  message: string;
  /** False for parts that are only on their way to Ready. */
  failed: boolean;
}

const describeChild = (c: ChildState) => `${c.name} (${c.phase ?? 'no phase'}: ${c.message})`;

/** The condition for one list of children, e.g. PatternsReady for the patterns. */
export function childrenCondition(noun: string, children: readonly ChildState[]): PartCondition {
  if (children.length === 0) {
    return { status: 'True', reason: 'NoneRequested', message: `the stack lists no ${noun}s`, failed: false };
  }
  const failing = children.filter((c) => c.failed);
  if (failing.length) {
    return {
      status: 'False',
      reason: 'ChildFailed',
      message: `failing ${noun}s: ${failing.map(describeChild).join('; ')}`,
      failed: true,
    };
  }
  const waiting = children.filter((c) => !c.ready);
  if (waiting.length) {
    return {
      status: 'False',
      reason: 'ChildNotReady',
      message: `${children.length - waiting.length}/${children.length} ${noun}s ready; waiting for ${waiting.map(describeChild).join('; ')}`,
      failed: false,
    };
  }
  return {
    status: 'True',
    reason: 'AllReady',
    message: `${children.length}/${children.length} ${noun}s ready`,
    failed: false,
  };
}

/** The condition for a Deployment of the stack, from the workload verdict the patterns use too. */
export function deploymentCondition(what: string, verdict: PhaseVerdict | undefined): PartCondition {
  if (!verdict) {
    return { status: 'True', reason: 'Disabled', message: `the ${what} is disabled`, failed: false };
  }
  return {
    status: verdict.ready ? 'True' : 'False',
    reason: verdict.reason,
    message: `${what}: ${verdict.message}`,
    failed: verdict.phase === 'Degraded',
  };
}

export interface StackObservation {
  invalid?: { reason: string; message: string };
  applyFailed?: { reason: string; message: string };
  /** The parts that make up Ready, by condition type (ProxyReady, AdminReady, PatternsReady, ...). */
  parts: Record<string, PartCondition>;
  /** Whether the proxy Deployment has been observed by its controller yet. */
  proxyObserved: boolean;
}

export interface StackVerdict {
  phase: StackPhase;
  ready: boolean;
  reason: string;
  message: string;
}

type Rule = (o: StackObservation) => StackVerdict | undefined;

const notReady = (o: StackObservation) => Object.entries(o.parts).filter(([, p]) => p.status !== 'True');
const listParts = (parts: [string, PartCondition][]) =>
  parts.map(([type, p]) => `${type}: ${p.message}`).join('; ');

const invalid: Rule = (o) =>
  o.invalid && { phase: 'Invalid', ready: false, reason: o.invalid.reason, message: o.invalid.message };

const applyFailed: Rule = (o) => o.applyFailed && { phase: 'Degraded', ready: false, ...o.applyFailed };

const partFailed: Rule = (o) => {
  const failed = notReady(o).filter(([, p]) => p.failed);
  return failed.length
    ? { phase: 'Degraded', ready: false, reason: `${failed[0]![0]}False`, message: listParts(failed) }
    : undefined;
};

const pending: Rule = (o) =>
  o.proxyObserved
    ? undefined
    : {
        phase: 'Pending',
        ready: false,
        reason: 'Pending',
        message: 'waiting for the proxy Deployment to be observed',
      };

const progressing: Rule = (o) => {
  const waiting = notReady(o);
  return waiting.length
    ? { phase: 'Progressing', ready: false, reason: `${waiting[0]![0]}False`, message: listParts(waiting) }
    : undefined;
};

const ready: Rule = () => ({
  phase: 'Ready',
  ready: true,
  reason: 'Ready',
  message: 'the proxy, the admin and every child are ready',
});

const RULES: readonly Rule[] = [invalid, applyFailed, partFailed, pending, progressing, ready];

export function decideStackPhase(o: StackObservation): StackVerdict {
  for (const rule of RULES) {
    const verdict = rule(o);
    if (verdict) return verdict;
  }
  throw new Error('no phase rule fired'); // `ready` always fires
}

/** "ready/total", for kubectl get. */
export const countText = (children: readonly ChildSummary[]) =>
  `${children.filter((c) => c.ready).length}/${children.length}`;
