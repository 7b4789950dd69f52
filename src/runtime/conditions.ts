// Pure helpers over metav1.Condition lists, with the API server's rules
// applied locally so a bad condition is a programming error caught at the
// call site, not a 422 on the status write.
import { formatTime } from './microtime.js';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
  /** metav1.Time, e.g. `2026-11-23T15:04:05Z`. */
  lastTransitionTime: string;
  observedGeneration?: number;
}

export interface ConditionUpdate {
  type: string;
  status: ConditionStatus;
  reason: string;
  message?: string;
  observedGeneration?: number;
}

/** The API server's pattern for Condition.reason (metav1 validation). */
export const REASON_PATTERN = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
export const MAX_REASON_LENGTH = 1024;
/** Condition.message limit in bytes. */
export const MAX_MESSAGE_BYTES = 32 * 1024;
// Condition.type is a qualified name: an optional DNS-subdomain prefix and a name part.
const TYPE_PATTERN =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const MAX_TYPE_LENGTH = 316;
const STATUSES: readonly string[] = ['True', 'False', 'Unknown'];

/**
 * Returns a new list with `update` applied. lastTransitionTime moves to `now`
 * only when the status flips (or the type is new); reason, message and
 * observedGeneration changes keep it. Existing order is kept; new types go last.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  update: ConditionUpdate,
  now: Date,
): Condition[] {
  validate(update);
  const list = conditions ?? [];
  const existing = list.find((c) => c.type === update.type);
  const next = build(update, existing, now);
  if (!existing) return [...list, next];
  return list.map((c) => (c === existing ? next : c));
}

export function getCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'True';
}

export function isFalse(conditions: readonly Condition[] | undefined, type: string): boolean {
  return getCondition(conditions, type)?.status === 'False';
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

/**
 * True when both lists hold the same conditions with the same fields,
 * regardless of order: the "does status need a write?" check.
 */
export function conditionsEqual(
  a: readonly Condition[] | undefined,
  b: readonly Condition[] | undefined,
): boolean {
  const left = a ?? [];
  const right = b ?? [];
  if (left.length !== right.length) return false;
  return left.every((c) => {
    const other = getCondition(right, c.type);
    return other !== undefined && sameCondition(c, other);
  });
}

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // Step back over continuation bytes (10xxxxxx) to a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function build(update: ConditionUpdate, existing: Condition | undefined, now: Date): Condition {
  const flipped = !existing || existing.status !== update.status;
  const next: Condition = {
    type: update.type,
    status: update.status,
    reason: update.reason,
    message: truncateUtf8(update.message ?? '', MAX_MESSAGE_BYTES),
    lastTransitionTime: flipped ? formatTime(now) : existing.lastTransitionTime,
  };
  if (update.observedGeneration !== undefined) next.observedGeneration = update.observedGeneration;
  return next;
}

function sameCondition(a: Condition, b: Condition): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.message === b.message &&
    a.lastTransitionTime === b.lastTransitionTime &&
    (a.observedGeneration ?? 0) === (b.observedGeneration ?? 0)
  );
}

function validate(update: ConditionUpdate): void {
  const { type, status, reason, observedGeneration } = update;
  if (type.length > MAX_TYPE_LENGTH || !TYPE_PATTERN.test(type)) {
    throw new Error(`invalid condition type ${JSON.stringify(type)}`);
  }
  if (!STATUSES.includes(status)) {
    throw new Error(`invalid status ${JSON.stringify(status)} for condition ${type}`);
  }
  if (reason.length > MAX_REASON_LENGTH || !REASON_PATTERN.test(reason)) {
    throw new Error(`invalid reason ${JSON.stringify(reason)} for condition ${type}: must be CamelCase`);
  }
  if (
    observedGeneration !== undefined &&
    !(Number.isInteger(observedGeneration) && observedGeneration >= 0)
  ) {
    throw new Error(`invalid observedGeneration ${observedGeneration} for condition ${type}`);
  }
}
