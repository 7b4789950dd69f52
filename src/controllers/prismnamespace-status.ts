// Pure decisions about a PrismNamespace: may it write to the Namespace
// (ownership), what phase and conditions it reports, and when its ttl runs
// out. No I/O; each is table-tested.
import type { NamespacePhase } from '../api/v1alpha1/prismnamespace.js';
import type { ConditionStatus } from '../runtime/conditions.js';
import type { Obj } from '../runtime/object.js';
import {
  isLabelledBy,
  OWNER_KIND_LABEL,
  OWNER_NAME_LABEL,
  OWNER_NAMESPACE_LABEL,
} from '../resources/meta.js';
import type { Isolation } from '../resources/tenant-network.js';

export interface Problem {
  reason: string;
  message: string;
}

export type Ownership =
  { verdict: 'create' | 'owned' | 'adopt' } | { verdict: 'conflict' | 'terminating'; problem: Problem };

export interface OwnerId {
  kind: string;
  namespace: string;
  name: string;
}

/** Whether the PrismNamespace `owner` may write the existing Namespace `ns` (from the cache). */
export function decideOwnership(ns: Obj | undefined, owner: OwnerId, adopt: boolean): Ownership {
  if (!ns) return { verdict: 'create' };
  const name = ns.metadata.name;
  if (ns.metadata.deletionTimestamp) {
    return {
      verdict: 'terminating',
      problem: {
        reason: 'NamespaceTerminating',
        message: `Namespace ${name} is being deleted; it is provisioned again once it is gone`,
      },
    };
  }
  if (isLabelledBy(ns, owner)) return { verdict: 'owned' };
  const labels = ns.metadata.labels ?? {};
  if (labels[OWNER_KIND_LABEL] === owner.kind && labels[OWNER_NAME_LABEL]) {
    const other = `${labels[OWNER_NAMESPACE_LABEL] ?? ''}/${labels[OWNER_NAME_LABEL]}`;
    return {
      verdict: 'conflict',
      problem: {
        reason: 'NamespaceConflict',
        message: `Namespace ${name} is managed by PrismNamespace ${other}; choose another namespace or delete that PrismNamespace (with deletionPolicy: Retain to keep the Namespace) and set adopt: true here`,
      },
    };
  }
  if (adopt) return { verdict: 'adopt' };
  return {
    verdict: 'conflict',
    problem: {
      reason: 'NamespaceConflict',
      message: `Namespace ${name} already exists and was not created by this PrismNamespace; set adopt: true to take it over (deletionPolicy then applies to it) or choose another namespace`,
    },
  };
}

export type QuotaState = 'none' | 'pending' | 'enforced';

export interface TenantObservation {
  /** Nothing may be written (ClusterScopeRequired, NamespaceConflict, ApplyFailed). */
  blocked?: Problem;
  /** Waiting on something outside the operator (NamespaceTerminating). */
  waiting?: Problem;
  namespace: string;
  quota: QuotaState;
  isolation: Isolation;
}

export interface ConditionVerdict {
  type: 'Ready' | 'Provisioned' | 'QuotaEnforced' | 'IsolationApplied';
  status: ConditionStatus;
  reason: string;
  message: string;
}

export interface TenantVerdict {
  phase: NamespacePhase;
  conditions: ConditionVerdict[];
}

const cond = (
  type: ConditionVerdict['type'],
  status: ConditionStatus,
  reason: string,
  message: string,
): ConditionVerdict => ({ type, status, reason, message });

function quotaCondition(q: QuotaState): ConditionVerdict {
  switch (q) {
    case 'none':
      return cond(
        'QuotaEnforced',
        'False',
        'NoQuota',
        'spec.quota is not set: the Namespace has no ResourceQuota',
      );
    case 'pending':
      return cond(
        'QuotaEnforced',
        'False',
        'QuotaPending',
        'waiting for the ResourceQuota controller to report the quota’s usage',
      );
    case 'enforced':
      return cond(
        'QuotaEnforced',
        'True',
        'QuotaEnforced',
        'the ResourceQuota is enforced; usage is in status.quota',
      );
  }
}

function isolationCondition(i: Isolation): ConditionVerdict {
  switch (i) {
    case 'none':
      return cond(
        'IsolationApplied',
        'False',
        'IsolationDisabled',
        'isolation is none: no NetworkPolicy limits traffic',
      );
    case 'namespace':
      return cond(
        'IsolationApplied',
        'True',
        'NamespaceIsolation',
        'ingress only from the Namespace itself and the Prism namespaces',
      );
    case 'strict':
      return cond(
        'IsolationApplied',
        'True',
        'StrictIsolation',
        'ingress and egress only to the Namespace itself, the Prism namespaces and DNS',
      );
  }
}

/** Phase and conditions from what the reconcile observed; the first problem decides. */
export function decideTenantStatus(o: TenantObservation): TenantVerdict {
  const stop = o.blocked ?? o.waiting;
  if (stop) {
    const unknown = (type: ConditionVerdict['type']) =>
      cond(type, 'Unknown', 'NotProvisioned', `the Namespace is not provisioned: ${stop.message}`);
    return {
      phase: o.blocked ? 'Failed' : 'Provisioning',
      conditions: [
        cond('Ready', 'False', stop.reason, stop.message),
        cond('Provisioned', 'False', stop.reason, stop.message),
        unknown('QuotaEnforced'),
        unknown('IsolationApplied'),
      ],
    };
  }
  const provisioned = cond(
    'Provisioned',
    'True',
    'NamespaceProvisioned',
    `Namespace ${o.namespace} is provisioned`,
  );
  const quota = quotaCondition(o.quota);
  const ready =
    o.quota === 'pending'
      ? cond('Ready', 'False', quota.reason, quota.message)
      : cond('Ready', 'True', 'Active', `Namespace ${o.namespace} is ready for tenants`);
  return {
    phase: o.quota === 'pending' ? 'Provisioning' : 'Active',
    conditions: [ready, provisioned, quota, isolationCondition(o.isolation)],
  };
}

/**
 * A quota is enforced once the ResourceQuota limits what the spec asks for and the
 * quota controller has caught up with it (its status.hard mirrors spec.hard).
 */
export function quotaState(
  wanted: Record<string, string> | undefined,
  specHard: Record<string, string> | undefined,
  statusHard: Record<string, string> | undefined,
): QuotaState {
  if (!wanted) return 'none';
  if (!specHard || !statusHard) return 'pending';
  const same = (a: Record<string, string>, b: Record<string, string>) =>
    Object.keys(a).length === Object.keys(b).length && Object.keys(a).every((k) => k in b);
  const caughtUp =
    same(specHard, statusHard) && Object.keys(specHard).every((k) => specHard[k] === statusHard[k]);
  return same(wanted, specHard) && caughtUp ? 'enforced' : 'pending';
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration as the schema allows (e.g. 72h, 1h30m, 1.5h), in milliseconds. */
export function parseGoDuration(text: string): number | undefined {
  if (!/^([0-9]+([.][0-9]+)?(ms|s|m|h))+$/.test(text)) return undefined;
  let total = 0;
  for (const m of text.matchAll(/([0-9]+(?:[.][0-9]+)?)(ms|s|m|h)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Math.round(total);
}

/** When a ttl counted from creation runs out; undefined without a (valid) ttl. */
export function expiryOf(creationTimestamp: string | undefined, ttl: string | undefined): Date | undefined {
  if (!ttl || !creationTimestamp) return undefined;
  const ms = parseGoDuration(ttl);
  const created = Date.parse(creationTimestamp);
  return ms === undefined || Number.isNaN(created) ? undefined : new Date(created + ms);
}
