// One list+watch loop over one collection path (a namespace, or the whole
// cluster). An Informer runs one per watched namespace and merges them into
// one cache: a namespace-scoped operator never lists or watches cluster-wide.
// It retries forever with capped backoff until stopped and relists only when
// its resourceVersion has expired.
import { sleepUnless } from './abortable.js';
import { backoffDelay, randomWatchTimeoutSeconds, type Backoff } from './informer-cache.js';
import { KubeApiError, isGone, type KubeClient } from './kube-client.js';
import type { KubeObject } from './object.js';
import {
  listQuery,
  statusError,
  watchQuery,
  type ObjectList,
  type Selectors,
  type StatusObject,
  type WatchEvent,
} from './watch-protocol.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ReflectorStats {
  /** Lists after the initial one (after 410 Gone). */
  relists: number;
  /** Watch requests after the first one (server timeouts and recoveries). */
  reconnects: number;
  /** Watch events received, bookmarks included. */
  events: number;
  lastEventAt?: number;
  /** Consecutive failed list/watch attempts; 0 once a list succeeds or a watch delivers an event. */
  failures: number;
  lastError?: string;
}

/** Where a reflector delivers what it reads: the informer's cache. */
export interface ReflectorSink<T extends KubeObject> {
  /** A full list of this reflector's scope; `first` is true for the initial list. */
  replace(items: T[], namespace: string | undefined, first: boolean): void;
  upsert(obj: T): void;
  remove(obj: T): void;
  /** Fills in type fields and applies the cache transform. */
  prepare(raw: KubeObject): T;
  log(level: LogLevel, msg: string, meta?: object): void;
}

export interface ReflectorOptions {
  client: KubeClient;
  path: string;
  /** The namespace this reflector covers; undefined for cluster scope. */
  namespace: string | undefined;
  selectors: Selectors;
  watchTimeoutSeconds?: number;
  idleTimeoutMs?: number;
  backoff?: Backoff;
  signal: AbortSignal;
}

type Outcome =
  | { kind: 'ended'; events: number; durationMs: number }
  | { kind: 'gone'; error: unknown }
  | { kind: 'failed'; error: unknown };

const LIST_TIMEOUT_MS = 60_000;
/** A watch that ends cleanly sooner than this without events counts as a failure (backoff). */
const MIN_QUIET_WATCH_MS = 1_000;
const DEFAULT_BACKOFF: Backoff = { initialMs: 800, maxMs: 30_000 };

/** Thrown from the line handler to close a stream that carried an ERROR event. */
class StreamErrorEvent extends Error {}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class Reflector<T extends KubeObject> {
  readonly counters: ReflectorStats = { relists: 0, reconnects: 0, events: 0, failures: 0 };
  rv: string | undefined;
  private listed = false;
  private watches = 0;
  private backoffAttempt = 0;
  /** 410s in a row without an event in between; the first relists at once, later ones back off. */
  private goneStreak = 0;

  constructor(
    private readonly opts: ReflectorOptions,
    private readonly sink: ReflectorSink<T>,
  ) {}

  async run(): Promise<void> {
    while (!this.isStopped()) {
      const outcome = await this.attempt();
      if (this.isStopped()) break;
      const delayMs = this.delayAfter(outcome);
      if (delayMs > 0) await sleepUnless(delayMs, this.opts.signal);
    }
  }

  /** A method, not a field read, so the compiler does not assume it unchanged across awaits. */
  private isStopped(): boolean {
    return this.opts.signal.aborted;
  }

  /** One list (when there is no resourceVersion) and one watch; never throws. */
  private async attempt(): Promise<Outcome> {
    try {
      if (this.rv === undefined) await this.relist();
      return await this.watch(this.rv!);
    } catch (error) {
      return isGone(error) ? { kind: 'gone', error } : { kind: 'failed', error };
    }
  }

  private delayAfter(outcome: Outcome): number {
    switch (outcome.kind) {
      case 'ended':
        // A server-side timeout re-watches at once; a server that keeps ending watches at once is backed off.
        if (outcome.events > 0 || outcome.durationMs >= MIN_QUIET_WATCH_MS) return 0;
        return this.nextBackoff('watch ended immediately without events');
      case 'gone':
        this.rv = undefined;
        this.goneStreak++;
        this.log('info', 'resourceVersion expired; relisting', { error: errorText(outcome.error) });
        return this.goneStreak > 1 ? this.nextBackoff('resourceVersion expired again') : 0;
      case 'failed':
        this.counters.failures++;
        this.counters.lastError = errorText(outcome.error);
        return this.nextBackoff(this.counters.lastError);
    }
  }

  private nextBackoff(reason: string): number {
    const delayMs = backoffDelay(this.backoffAttempt++, this.opts.backoff ?? DEFAULT_BACKOFF);
    this.log('warn', 'list/watch failed; retrying', { reason, delayMs, failures: this.counters.failures });
    return delayMs;
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.listAll();
    const first = !this.listed;
    this.rv = resourceVersion;
    this.counters.failures = 0;
    if (!first) this.counters.relists++;
    this.listed = true;
    this.sink.replace(items, this.opts.namespace, first);
  }

  private async listAll(): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.opts.client.request<ObjectList>({
        method: 'GET',
        path: this.opts.path,
        query: listQuery(this.opts.selectors, continueToken),
        timeoutMs: LIST_TIMEOUT_MS,
        signal: this.opts.signal,
      });
      for (const item of page.items) items.push(this.sink.prepare(item));
      resourceVersion = page.metadata.resourceVersion ?? resourceVersion;
      continueToken = page.metadata.continue || undefined;
    } while (continueToken);
    return { items, resourceVersion };
  }

  private async watch(resourceVersion: string): Promise<Outcome> {
    if (this.watches++ > 0) this.counters.reconnects++;
    const timeoutSeconds = this.opts.watchTimeoutSeconds ?? randomWatchTimeoutSeconds();
    const started = Date.now();
    let events = 0;
    let streamError: KubeApiError | undefined;
    try {
      await this.opts.client.stream(
        {
          path: this.opts.path,
          query: watchQuery(this.opts.selectors, resourceVersion, timeoutSeconds),
          signal: this.opts.signal,
        },
        (line) => {
          const event = JSON.parse(line) as WatchEvent;
          if (event.type === 'ERROR') {
            streamError = statusError(event.object as StatusObject);
            throw new StreamErrorEvent(streamError.message);
          }
          events++;
          this.handle(event);
        },
        this.opts.idleTimeoutMs ?? timeoutSeconds * 1000 + 30_000,
      );
    } catch (err) {
      // An in-stream ERROR event is thrown by the line handler to end the stream; report the event itself.
      if (!streamError) throw err;
    }
    if (streamError) throw streamError;
    return { kind: 'ended', events, durationMs: Date.now() - started };
  }

  private handle(event: WatchEvent): void {
    this.counters.events++;
    this.counters.lastEventAt = Date.now();
    this.counters.failures = 0;
    this.backoffAttempt = 0;
    this.goneStreak = 0;
    const raw = event.object as KubeObject;
    switch (event.type) {
      case 'ADDED':
      case 'MODIFIED':
        this.sink.upsert(this.sink.prepare(raw));
        break;
      case 'DELETED':
        this.sink.remove(this.sink.prepare(raw));
        break;
      case 'BOOKMARK':
        break;
      default:
        this.log('warn', 'ignoring a watch event of unknown type', { type: event.type });
    }
    // Recorded after the cache change, so a reconnect resumes after this event, not before it.
    this.rv = raw.metadata.resourceVersion ?? this.rv;
  }

  private log(level: LogLevel, msg: string, meta?: object): void {
    this.sink.log(level, msg, this.opts.namespace ? { watchNamespace: this.opts.namespace, ...meta } : meta);
  }
}
