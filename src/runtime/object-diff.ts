// Pure comparisons that decide whether a write is needed at all, so that an
// unchanged reconcile makes zero write calls.
import { createHash } from 'node:crypto';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** JSON with object keys sorted and undefined dropped: equal values give equal strings. */
export function stableStringify(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : stableStringify(v))).join(',')}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
  }
  // Functions, symbols and undefined have no JSON form; they are serialised as null, as in arrays.
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
  return JSON.stringify(value);
}

/** A short content hash of a JSON value. */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(stableStringify(value)).digest('hex').slice(0, 16);
}

/**
 * True when every field of `desired` is present in `actual` with the same value.
 * Arrays must have the same length and match element by element, which tolerates
 * fields the API server defaults inside list items (ports' protocol, containers'
 * terminationMessagePath) while still noticing added or removed items.
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    return (
      Array.isArray(actual) &&
      actual.length === desired.length &&
      desired.every((d, i) => isSubset(d, actual[i]))
    );
  }
  if (isPlainObject(desired)) {
    if (!isPlainObject(actual)) return false;
    return Object.keys(desired).every((k) => isSubset(desired[k], actual[k]));
  }
  return desired === actual || sameQuantity(desired, actual);
}

const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))([KMGTPE]i|[numkMGTPE]|[eE][+-]?\d+)?$/;
const SUFFIX: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The numeric value of a Kubernetes quantity ("500m", "1Gi", "1e3", 2), or undefined. */
export function quantityValue(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = QUANTITY.exec(q);
  if (!m) return undefined;
  const suffix = m[2] ?? '';
  const scale =
    suffix.startsWith('e') || suffix.startsWith('E') ? 10 ** Number(suffix.slice(1)) : (SUFFIX[suffix] ?? 1);
  return Number(m[1]) * scale;
}

/**
 * The API server stores quantities in canonical form ("0.5" becomes "500m"), so
 * two quantity spellings of the same amount are the same value.
 */
function sameQuantity(a: unknown, b: unknown): boolean {
  if (typeof a !== 'string' || (typeof b !== 'string' && typeof b !== 'number')) return false;
  const x = quantityValue(a);
  const y = quantityValue(b);
  return x !== undefined && y !== undefined && Math.abs(x - y) <= Math.abs(x) * 1e-12;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return stableStringify(a) === stableStringify(b);
}

/**
 * The RFC 7386 merge patch that turns `current` into `desired`, or undefined
 * when they are equal. Keys missing from `desired` become null (removed);
 * arrays are replaced whole, as merge patch does.
 */
export function mergePatchFor(current: unknown, desired: unknown): Json | undefined {
  if (deepEqual(current, desired)) return undefined;
  if (!isPlainObject(current) || !isPlainObject(desired)) return (desired ?? null) as Json;
  const patch: Record<string, Json> = {};
  for (const k of Object.keys(current)) {
    if (current[k] !== undefined && desired[k] === undefined) patch[k] = null;
  }
  for (const k of Object.keys(desired)) {
    if (desired[k] === undefined) continue;
    const sub = mergePatchFor(current[k], desired[k]);
    if (sub !== undefined) patch[k] = sub;
  }
  return Object.keys(patch).length ? patch : undefined;
}
