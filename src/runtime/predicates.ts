// Which informer updates are worth a reconcile (controller-runtime's
// predicates). Without them every status write re-queues its own object, every
// child apply re-queues its owner, and kube-controller-manager's bookkeeping
// (resourceVersion, condition lastUpdateTime) re-queues owners that would find
// nothing to do. Adds and deletes always enqueue; these filter updates only.
import type { Obj } from './object.js';

export type UpdatePredicate = (old: Obj, cur: Obj) => boolean;

/**
 * For an object's own reconciler: a change anyone acts on is in its spec
 * (metadata.generation) or metadata; status is written by that reconciler
 * itself (GenerationChangedPredicate plus labels, annotations, finalizers,
 * owners and deletion).
 */
export const specOrMetadataChanged: UpdatePredicate = (old, cur) =>
  old.metadata.generation !== cur.metadata.generation ||
  old.metadata.deletionTimestamp !== cur.metadata.deletionTimestamp ||
  !same(old.metadata.labels, cur.metadata.labels) ||
  !same(old.metadata.annotations, cur.metadata.annotations) ||
  !same(old.metadata.finalizers, cur.metadata.finalizers) ||
  !same(old.metadata.ownerReferences, cur.metadata.ownerReferences) ||
  // Kinds without a generation (e.g. a ConfigMap) change only through content.
  (cur.metadata.generation === undefined && !same(withoutBookkeeping(old), withoutBookkeeping(cur)));

/**
 * For watches of children and other related objects: anything but bookkeeping
 * changed (resourceVersion, managedFields, conditions' lastUpdateTime and
 * heartbeat times). The operator's own applies still count: the reconcile that
 * wrote a child read the child's state from the cache before the write, so the
 * write's echo is what lets status catch up (an HPA's new bounds, for one).
 */
export const relatedChanged: UpdatePredicate = (old, cur) =>
  !same(withoutBookkeeping(old), withoutBookkeeping(cur));

const BOOKKEEPING_METADATA = new Set(['resourceVersion', 'managedFields']);
const VOLATILE_CONDITION_FIELDS = new Set(['lastUpdateTime', 'lastHeartbeatTime', 'lastProbeTime']);

/** The object without fields that change when nothing a reader acts on did. */
export function withoutBookkeeping(obj: Obj): unknown {
  const metadata = Object.fromEntries(
    Object.entries(obj.metadata).filter(([k]) => !BOOKKEEPING_METADATA.has(k)),
  );
  const status = obj.status as { conditions?: unknown } | undefined;
  if (!status || !Array.isArray(status.conditions)) return { ...obj, metadata };
  const conditions = (status.conditions as Record<string, unknown>[]).map((c) =>
    Object.fromEntries(Object.entries(c).filter(([k]) => !VOLATILE_CONDITION_FIELDS.has(k))),
  );
  return { ...obj, metadata, status: { ...status, conditions } };
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
