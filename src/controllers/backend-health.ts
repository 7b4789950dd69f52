// Pure decisions about a PrismBackend: is it reachable (from the last probe
// results), and what are its phase and Ready condition. Small rules, first
// that fires decides (the cert-manager policy-chain shape); no I/O.
import type { BackendPhase } from '../api/v1alpha1/prismbackend.js';

export interface EndpointResult {
  address: string;
  reachable: boolean;
  latencyMs?: number;
  error?: string;
}

/** One round of probes: when it ran and what each endpoint answered. */
export interface HealthSnapshot {
  checkedAt: string;
  endpoints: EndpointResult[];
}

export interface Verdict {
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

export interface ReachabilityInput {
  enabled: boolean;
  /** How many addresses the spec gives the health check. */
  addresses: number;
  snapshot?: HealthSnapshot;
}

type ReachabilityRule = (i: ReachabilityInput) => Verdict | undefined;

const describeFailures = (endpoints: EndpointResult[]) =>
  endpoints
    .filter((e) => !e.reachable)
    .map((e) => `${e.address}: ${e.error ?? 'no answer'}`)
    .join('; ');

const disabled: ReachabilityRule = (i) =>
  i.enabled
    ? undefined
    : {
        status: 'Unknown',
        reason: 'HealthCheckDisabled',
        message: 'spec.healthCheck.enabled is false: reachability is not checked',
      };

const nothingToDial: ReachabilityRule = (i) =>
  i.addresses > 0
    ? undefined
    : {
        status: 'Unknown',
        reason: 'NoProbeAddress',
        message:
          'the address is only in the Secret, whose values the operator never reads; set connection.endpoints (or connection.url without credentials) to have it checked',
      };

const notYetProbed: ReachabilityRule = (i) =>
  i.snapshot
    ? undefined
    : { status: 'Unknown', reason: 'Probing', message: 'waiting for the first health check' };

const allAnswer: ReachabilityRule = (i) => {
  const eps = i.snapshot?.endpoints ?? [];
  return eps.length > 0 && eps.every((e) => e.reachable)
    ? {
        status: 'True',
        reason: 'Reachable',
        message: eps.length === 1 ? 'the endpoint answers' : `all ${eps.length} endpoints answer`,
      }
    : undefined;
};

// A cluster with one broker down still serves: clients fail over to the others.
const someAnswer: ReachabilityRule = (i) => {
  const eps = i.snapshot?.endpoints ?? [];
  const up = eps.filter((e) => e.reachable).length;
  return up > 0
    ? {
        status: 'True',
        reason: 'PartiallyReachable',
        message: `${up}/${eps.length} endpoints answer; unreachable: ${describeFailures(eps)}`,
      }
    : undefined;
};

const noneAnswer: ReachabilityRule = (i) => ({
  status: 'False',
  reason: 'Unreachable',
  message: `no endpoint answers (${describeFailures(i.snapshot?.endpoints ?? [])}); check the addresses, the network policy and that the backend runs`,
});

const REACHABILITY_RULES: readonly ReachabilityRule[] = [
  disabled,
  nothingToDial,
  notYetProbed,
  allAnswer,
  someAnswer,
  noneAnswer,
];

/** The BackendReachable condition. */
export function decideReachability(input: ReachabilityInput): Verdict {
  for (const rule of REACHABILITY_RULES) {
    const verdict = rule(input);
    if (verdict) return verdict;
  }
  throw new Error('no reachability rule fired'); // noneAnswer always fires
}

/** status.healthy: set only when a probe result says so. */
export function healthyOf(reachable: Verdict): boolean | undefined {
  if (reachable.status === 'True') return true;
  if (reachable.status === 'False') return false;
  return undefined;
}

export interface BackendObservation {
  /** A spec or Secret problem, already worded for users. */
  invalid?: { reason: string; message: string };
  reachable: Verdict;
  configMap: string;
}

export interface BackendVerdict {
  phase: BackendPhase;
  ready: Verdict;
}

/** The phase and Ready condition: invalid beats unreachable beats pending. */
export function decideBackendPhase(o: BackendObservation): BackendVerdict {
  if (o.invalid) {
    return { phase: 'Invalid', ready: { status: 'False', ...o.invalid } };
  }
  if (o.reachable.status === 'False') {
    return {
      phase: 'Unreachable',
      ready: { status: 'False', reason: 'Unreachable', message: o.reachable.message },
    };
  }
  if (o.reachable.reason === 'Probing') {
    return {
      phase: 'Pending',
      ready: { status: 'Unknown', reason: 'Probing', message: o.reachable.message },
    };
  }
  return {
    phase: 'Ready',
    ready: {
      status: 'True',
      reason: 'ConnectionPublished',
      message: `connection settings are in ConfigMap ${o.configMap}; ${o.reachable.message}`,
    },
  };
}

/**
 * What decides whether a new probe round is news: reachability and errors per
 * endpoint, not latency (which moves every time and would mean a status write per probe).
 */
export function healthSignature(s: HealthSnapshot | undefined): string {
  if (!s) return '';
  return JSON.stringify(s.endpoints.map((e) => [e.address, e.reachable, e.error ?? '']));
}
