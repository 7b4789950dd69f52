// Kubernetes timestamps on the wire. metav1.Time is RFC3339 with whole seconds;
// metav1.MicroTime (Lease acquireTime/renewTime, events.k8s.io eventTime and
// series.lastObservedTime) must carry exactly 6 fractional digits: the API
// server parses it with the layout `2006-01-02T15:04:05.000000Z07:00` and
// rejects the 3 digits Date#toISOString produces.

/** `2026-11-23T15:04:05.123000Z`: a JS Date has millisecond precision, so the last 3 digits are zero. */
export function formatMicroTime(date: Date): string {
  const iso = isoString(date);
  return `${iso.slice(0, 23)}000Z`;
}

/** `2026-11-23T15:04:05Z`: metav1.Time drops the fraction (truncated, as Go's time.Format does). */
export function formatTime(date: Date): string {
  return `${isoString(date).slice(0, 19)}Z`;
}

// Date-time with optional fraction (any number of digits) and a Z or ±hh:mm offset.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC3339 timestamp as the API server writes it (Time, MicroTime, or with an offset).
 * Digits beyond milliseconds are truncated. Throws on anything else.
 */
export function parseTime(s: string): Date {
  const m = RFC3339.exec(s);
  if (!m) throw new RangeError(`not an RFC3339 timestamp: ${JSON.stringify(s)}`);
  const [, y, mo, d, h, mi, sec, frac = '', zone] = m;
  const ms = frac.slice(0, 3).padEnd(3, '0');
  const offset = zone === 'Z' || zone === 'z' ? 'Z' : zone;
  const date = new Date(`${y}-${mo}-${d}T${h}:${mi}:${sec}.${ms}${offset}`);
  // Date accepts some out-of-range fields (e.g. hour 24); a round trip catches them.
  if (Number.isNaN(date.getTime()) || !sameFields(date, m)) {
    throw new RangeError(`not a valid RFC3339 timestamp: ${JSON.stringify(s)}`);
  }
  return date;
}

function isoString(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new RangeError('invalid Date');
  const iso = date.toISOString();
  // Years outside 0000-9999 come out as ±YYYYYY, which RFC3339 cannot express.
  if (iso.length !== 24) throw new RangeError(`year out of RFC3339 range: ${iso}`);
  return iso;
}

function sameFields(date: Date, m: RegExpExecArray): boolean {
  const [, , mo, d, h, mi, sec, , zone] = m;
  if (Number(mo) < 1 || Number(mo) > 12 || Number(h) > 23 || Number(mi) > 59 || Number(sec) > 59) {
    return false;
  }
  // Compare the calendar day in the timestamp's own offset: rejects e.g. February 30th.
  const offsetMin = zone === 'Z' || zone === 'z' ? 0 : offsetMinutes(zone!);
  const local = new Date(date.getTime() + offsetMin * 60_000);
  return local.getUTCDate() === Number(d);
}

function offsetMinutes(zone: string): number {
  const sign = zone.startsWith('-') ? -1 : 1;
  return sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
}
