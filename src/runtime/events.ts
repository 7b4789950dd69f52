// An events.k8s.io/v1 recorder in the manner of client-go's tools/events:
// fire-and-forget, and isomorphic events folded into one Event's `series` so a
// hot-looping failure costs O(1) API writes per interval, not one per
// occurrence. Unlike client-go (which patches a series only every 30 min after
// the first repeat), a series is written at most once per `minWriteIntervalMs`,
// so `kubectl get events` stays close to the truth.
import type { Obj } from './object.js';
import { randomInt, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { truncateUtf8 } from './conditions.js';
import { CONTENT_TYPE, isConflict, isNotFound, type KubeClient } from './kube-client.js';
import { formatMicroTime } from './microtime.js';

export interface ObjectReference {
  apiVersion: string;
  kind: string;
  name: string;
  /** Empty or absent for cluster-scoped objects: their events go to `default`. */
  namespace?: string;
  uid?: string;
}

/** The reference an event is about, built from the object itself. */
export function regardingOf(obj: Obj): ObjectReference {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    namespace: obj.metadata.namespace,
    uid: obj.metadata.uid ?? '',
  };
}

export type EventType = 'Normal' | 'Warning';

export interface EventSpec {
  type: EventType;
  /** Why the action was taken, CamelCase, at most 128 bytes. */
  reason: string;
  /** What was done or failed, e.g. `Reconcile`, `ApplyDeployment`; at most 128 bytes. */
  action: string;
  /** Human-readable; truncated to 1 kB. */
  note?: string;
  related?: ObjectReference;
}

type LogFn = (
  level: 'debug' | 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

export interface EventRecorderOptions {
  client: Pick<KubeClient, 'request'>;
  /** e.g. `prism-operator`; a qualified name. */
  reportingController: string;
  /** Default `${reportingController}-${hostname}`, cut to 128 characters. */
  reportingInstance?: string;
  now?: () => Date;
  /** A repeat later than this after the last occurrence starts a new Event (client-go: 6 min). */
  seriesWindowMs?: number;
  /** At most one write per isomorphic key per interval. */
  minWriteIntervalMs?: number;
  /** Recent keys remembered (LRU). */
  maxKeys?: number;
  log?: LogFn;
}

export const EVENT_LIMITS = { note: 1024, reason: 128, action: 128, reportingInstance: 128 } as const;
const EVENT_TYPES: readonly string[] = ['Normal', 'Warning'];
const DEFAULTS = { seriesWindowMs: 6 * 60_000, minWriteIntervalMs: 10_000, maxKeys: 4096 };
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

interface EventBody {
  apiVersion: 'events.k8s.io/v1';
  kind: 'Event';
  metadata: { name: string; namespace: string };
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  type: EventType;
  reason: string;
  action: string;
  note: string;
  regarding: ObjectReference;
  related?: ObjectReference;
  series?: { count: number; lastObservedTime: string };
}

/** One Event on the server and the occurrences folded into it. */
interface Series {
  key: string;
  body: EventBody;
  /** Occurrences seen so far. */
  count: number;
  /** Occurrences the server's copy reflects. */
  written: number;
  lastObserved: Date;
  lastWriteAtMs: number;
  writing?: Promise<void>;
  timer?: NodeJS.Timeout;
}

export class EventRecorder {
  readonly reportingController: string;
  readonly reportingInstance: string;
  private readonly client: Pick<KubeClient, 'request'>;
  private readonly now: () => Date;
  private readonly seriesWindowMs: number;
  private readonly minWriteIntervalMs: number;
  private readonly maxKeys: number;
  private readonly log: LogFn;
  /** Insertion order is recency order: the first key is the least recently used. */
  private readonly series = new Map<string, Series>();
  private readonly inflight = new Set<Promise<void>>();
  private lastId = 0n;

  constructor(options: EventRecorderOptions) {
    if (!QUALIFIED_NAME.test(options.reportingController)) {
      throw new Error(`invalid reportingController ${JSON.stringify(options.reportingController)}`);
    }
    const instance = options.reportingInstance ?? `${options.reportingController}-${hostname()}`;
    if (options.reportingInstance !== undefined && instance.length > EVENT_LIMITS.reportingInstance) {
      throw new Error(`reportingInstance is longer than ${EVENT_LIMITS.reportingInstance} characters`);
    }
    this.client = options.client;
    this.reportingController = options.reportingController;
    this.reportingInstance = instance.slice(0, EVENT_LIMITS.reportingInstance);
    this.now = options.now ?? (() => new Date());
    this.seriesWindowMs = options.seriesWindowMs ?? DEFAULTS.seriesWindowMs;
    this.minWriteIntervalMs = options.minWriteIntervalMs ?? DEFAULTS.minWriteIntervalMs;
    this.maxKeys = options.maxKeys ?? DEFAULTS.maxKeys;
    this.log = options.log ?? (() => undefined);
  }

  /**
   * Records an event. Never rejects: failures are logged and the event dropped,
   * as client-go does, so callers need not await. The promise settles when this
   * occurrence's write (if any) is done; a repeat deferred by rate limiting
   * resolves at once and is written later (or by flush()).
   */
  event(regarding: ObjectReference, spec: EventSpec): Promise<void> {
    try {
      const problem = invalidSpec(regarding, spec);
      if (problem) {
        this.log('error', `dropping event: ${problem}`, { reason: spec.reason, regarding: regarding.name });
        return Promise.resolve();
      }
      const now = this.now();
      const key = isomorphicKey(regarding, spec);
      const existing = this.current(key, now);
      if (!existing) return this.start(key, this.newEvent(regarding, spec, now), now);
      existing.count++;
      existing.lastObserved = now;
      return this.schedule(existing);
    } catch (err) {
      this.log('error', 'dropping event', { reason: spec.reason, error: String(err) });
      return Promise.resolve();
    }
  }

  /**
   * Writes every series with unwritten occurrences now, ignoring the interval,
   * and waits for the writes (call on shutdown). A few rounds, because
   * occurrences may arrive while a write is in flight.
   */
  async flush(): Promise<void> {
    for (let round = 0; round < 3; round++) {
      for (const s of this.series.values()) {
        if (s.writing || s.count <= s.written) continue;
        if (s.timer) clearTimeout(s.timer);
        s.timer = undefined;
        void this.write(s);
      }
      if (this.inflight.size === 0) return;
      await Promise.all([...this.inflight]);
    }
  }

  /** The live series for `key`, moved to the most-recent end; undefined when absent or expired. */
  private current(key: string, now: Date): Series | undefined {
    const s = this.series.get(key);
    if (!s) return undefined;
    this.series.delete(key);
    if (now.getTime() - s.lastObserved.getTime() > this.seriesWindowMs) {
      if (s.timer) clearTimeout(s.timer);
      return undefined;
    }
    this.series.set(key, s);
    return s;
  }

  private start(key: string, body: EventBody, now: Date): Promise<void> {
    const s: Series = { key, body, count: 1, written: 0, lastObserved: now, lastWriteAtMs: 0 };
    this.series.set(key, s);
    this.evictOverflow();
    return this.track(s, async () => {
      try {
        await this.create(s);
        s.written = 1;
      } catch (err) {
        // Forget it, so the next occurrence tries a fresh Event.
        if (this.series.get(key) === s) this.series.delete(key);
        this.dropped(s, err);
      }
    });
  }

  /** Writes now if the interval allows, else arms one timer; later repeats ride on it. */
  private schedule(s: Series): Promise<void> {
    if (s.writing || s.timer) return Promise.resolve();
    const waitMs = s.lastWriteAtMs + this.minWriteIntervalMs - this.now().getTime();
    if (waitMs <= 0) return this.write(s);
    s.timer = setTimeout(() => {
      s.timer = undefined;
      void this.write(s);
    }, waitMs);
    // Pending counts must not keep the process alive; flush() writes them on shutdown.
    s.timer.unref();
    return Promise.resolve();
  }

  private write(s: Series): Promise<void> {
    const count = s.count;
    const lastObservedTime = formatMicroTime(s.lastObserved);
    return this.track(s, async () => {
      try {
        await this.patchSeries(s, count, lastObservedTime);
        s.written = count;
      } catch (err) {
        this.dropped(s, err);
      }
    });
  }

  /** Runs one write for `s`, then re-arms if more occurrences arrived meanwhile. */
  private track(s: Series, write: () => Promise<void>): Promise<void> {
    const countAtStart = s.count;
    const done = (async () => {
      await write();
      s.lastWriteAtMs = this.now().getTime();
      s.writing = undefined;
      // After a failure nothing is retried unless the event repeats, so a broken sink stays quiet.
      if (s.count > countAtStart && s.count > s.written && this.series.get(s.key) === s) {
        void this.schedule(s);
      }
    })();
    s.writing = done;
    this.inflight.add(done);
    void done.finally(() => this.inflight.delete(done));
    return done;
  }

  private async create(s: Series): Promise<void> {
    try {
      await this.post(s.body);
    } catch (err) {
      // A name taken (another replica in the same nanosecond bucket): one more try with a new name.
      if (!isConflict(err)) throw err;
      s.body.metadata.name = this.eventName(s.body.regarding.name, this.now());
      await this.post(s.body);
    }
  }

  private async patchSeries(s: Series, count: number, lastObservedTime: string): Promise<void> {
    const { name, namespace } = s.body.metadata;
    const series = { count, lastObservedTime };
    try {
      await this.client.request({
        method: 'PATCH',
        path: `${eventsPath(namespace)}/${encodeURIComponent(name)}`,
        body: { series },
        contentType: CONTENT_TYPE.mergePatch,
      });
    } catch (err) {
      // The Event expired (event TTL) or was deleted: recreate it with the series so far.
      if (!isNotFound(err)) throw err;
      await this.post({ ...s.body, series });
    }
  }

  private async post(body: EventBody): Promise<void> {
    await this.client.request({ method: 'POST', path: eventsPath(body.metadata.namespace), body });
  }

  private newEvent(regarding: ObjectReference, spec: EventSpec, now: Date): EventBody {
    const namespace = regarding.namespace || 'default';
    const body: EventBody = {
      apiVersion: 'events.k8s.io/v1',
      kind: 'Event',
      metadata: { name: this.eventName(regarding.name, now), namespace },
      eventTime: formatMicroTime(now),
      reportingController: this.reportingController,
      reportingInstance: this.reportingInstance,
      type: spec.type,
      reason: spec.reason,
      action: spec.action,
      note: truncateUtf8(spec.note ?? '', EVENT_LIMITS.note),
      regarding: cleanRef(regarding),
    };
    if (spec.related) body.related = cleanRef(spec.related);
    return body;
  }

  /**
   * `<name>.<16 hex>` like client-go's `<name>.<hex unixnano>`. A JS clock has
   * milliseconds only, so the sub-millisecond digits are random, and ids only
   * increase within this process, so two events never share a name here.
   */
  private eventName(regardingName: string, now: Date): string {
    const candidate = BigInt(now.getTime()) * 1_000_000n + BigInt(randomInt(1_000_000));
    this.lastId = candidate > this.lastId ? candidate : this.lastId + 1n;
    const name = `${regardingName}.${this.lastId.toString(16).padStart(16, '0')}`;
    return name.length <= 253 && DNS_SUBDOMAIN.test(name) ? name : randomUUID();
  }

  private evictOverflow(): void {
    while (this.series.size > this.maxKeys) {
      const oldest = this.series.values().next().value;
      if (!oldest) return;
      this.series.delete(oldest.key);
      if (oldest.timer) clearTimeout(oldest.timer);
      oldest.timer = undefined;
      // Keep the count it had gathered; the write is tracked, so flush() still waits for it.
      if (!oldest.writing && oldest.count > oldest.written) void this.write(oldest);
    }
  }

  private dropped(s: Series, err: unknown): void {
    this.log('warn', 'event write failed; dropped', {
      event: s.body.metadata.name,
      namespace: s.body.metadata.namespace,
      reason: s.body.reason,
      count: s.count,
      error: err instanceof Error ? err.message : String(err),
    });
  }
}

function eventsPath(namespace: string): string {
  return `/apis/events.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/events`;
}

function isomorphicKey(regarding: ObjectReference, spec: EventSpec): string {
  const ref = (r: ObjectReference | undefined) =>
    r ? [r.uid ?? '', r.apiVersion, r.kind, r.namespace ?? '', r.name] : [];
  return JSON.stringify([...ref(regarding), ...ref(spec.related), spec.type, spec.reason, spec.action]);
}

function cleanRef(r: ObjectReference): ObjectReference {
  const ref: ObjectReference = { apiVersion: r.apiVersion, kind: r.kind, name: r.name };
  if (r.namespace) ref.namespace = r.namespace;
  if (r.uid) ref.uid = r.uid;
  return ref;
}

function invalidSpec(regarding: ObjectReference, spec: EventSpec): string | undefined {
  if (!regarding.name || !regarding.kind) return 'regarding needs a kind and a name';
  if (!EVENT_TYPES.includes(spec.type)) return `type ${spec.type} is not Normal or Warning`;
  if (!spec.reason || Buffer.byteLength(spec.reason) > EVENT_LIMITS.reason) {
    return `reason must be 1-${EVENT_LIMITS.reason} bytes`;
  }
  if (!spec.action || Buffer.byteLength(spec.action) > EVENT_LIMITS.action) {
    return `action must be 1-${EVENT_LIMITS.action} bytes`;
  }
  return undefined;
}
