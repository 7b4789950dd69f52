// Pure decisions about a PrismPattern's status: its phase and Ready condition,
// from what the reconcile observed. A chain of small rules; the first that
// fires decides (cert-manager's policy-chain shape).
import type { PatternPhase } from '../api/v1alpha1/prismpattern.js';

export interface DeploymentObservation {
  generation?: number;
  specReplicas?: number;
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    updatedReplicas?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string }[];
  };
}

export interface PatternObservation {
  /** Validation or apply failure that blocks the pattern, already worded for users. */
  invalid?: { reason: string; message: string };
  applyFailed?: { reason: string; message: string };
  /** Something the pattern needs is missing (its PrismBackend); children are left as they were. */
  blocked?: { reason: string; message: string };
  deployment?: DeploymentObservation;
  autoscaling: 'off' | 'hpa' | 'keda';
}

export interface PhaseVerdict {
  phase: PatternPhase;
  ready: boolean;
  reason: string;
  message: string;
}

type Rule = (o: PatternObservation) => PhaseVerdict | undefined;

const invalid: Rule = (o) =>
  o.invalid && { phase: 'Invalid', ready: false, reason: o.invalid.reason, message: o.invalid.message };

const blocked: Rule = (o) =>
  o.blocked && { phase: 'Pending', ready: false, reason: o.blocked.reason, message: o.blocked.message };

const applyFailed: Rule = (o) =>
  o.applyFailed && {
    phase: 'Degraded',
    ready: false,
    reason: o.applyFailed.reason,
    message: o.applyFailed.message,
  };

const noDeploymentYet: Rule = (o) =>
  o.deployment?.status?.observedGeneration === undefined
    ? {
        phase: 'Pending',
        ready: false,
        reason: 'Pending',
        message: 'waiting for the Deployment to be observed',
      }
    : undefined;

const rolloutStuck: Rule = (o) => {
  const progressing = o.deployment?.status?.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False') {
    return {
      phase: 'Degraded',
      ready: false,
      reason: progressing.reason ?? 'RolloutStuck',
      message: progressing.message ?? 'the Deployment is not progressing',
    };
  }
  const failure = o.deployment?.status?.conditions?.find(
    (c) => c.type === 'ReplicaFailure' && c.status === 'True',
  );
  return failure
    ? {
        phase: 'Degraded',
        ready: false,
        reason: failure.reason ?? 'ReplicaFailure',
        message: failure.message ?? 'pods cannot be created',
      }
    : undefined;
};

const scaledToZero: Rule = (o) =>
  o.autoscaling === 'keda' && o.deployment?.specReplicas === 0
    ? {
        phase: 'ScaledToZero',
        ready: true,
        reason: 'ScaledToZero',
        message: 'no load: KEDA scaled the pattern to zero',
      }
    : undefined;

const rollingOut: Rule = (o) => {
  const d = o.deployment;
  const want = d?.specReplicas ?? 0;
  const s = d?.status ?? {};
  const stale = (s.observedGeneration ?? 0) < (d?.generation ?? 0);
  const ready = s.readyReplicas ?? 0;
  if (stale || (s.updatedReplicas ?? 0) < want || ready < want) {
    return {
      phase: 'Progressing',
      ready: false,
      reason: 'Progressing',
      message: `${ready}/${want} replicas ready`,
    };
  }
  return undefined;
};

const running: Rule = (o) => {
  const ready = o.deployment?.status?.readyReplicas ?? 0;
  return { phase: 'Running', ready: true, reason: 'Running', message: `${ready} replicas ready` };
};

const RULES: readonly Rule[] = [
  invalid,
  blocked,
  applyFailed,
  noDeploymentYet,
  rolloutStuck,
  scaledToZero,
  rollingOut,
  running,
];

export function decidePhase(o: PatternObservation): PhaseVerdict {
  for (const rule of RULES) {
    const verdict = rule(o);
    if (verdict) return verdict;
  }
  // `running` always fires; this keeps the type checker honest.
  throw new Error('no phase rule fired');
}
