// A list+watch informer with an in-memory cache, one per watched resource.
// It replaces client-node's informer, which stops for good on any error other
// than 410, has no working watch timeout in 1.4, and turns a throwing handler
// into an unhandled rejection. This one retries forever with capped backoff
// until stop(), relists only when its resourceVersion has expired, and isolates
// handlers from the loop and from each other.
import { collectionPath } from './discovery.js';
import { KubeApiError, isGone, type KubeClient } from './kube-client.js';
import {
  ObjectStore,
  backoffDelay,
  randomWatchTimeoutSeconds,
  stripForCache,
  type Backoff,
  type IndexFn,
} from './informer-cache.js';
import { InformerHandlers, type Handler, type UpdateHandler } from './informer-handlers.js';
import { sleepUnless } from './abortable.js';
import type { KubeObject } from './object.js';
import { SyncGate } from './sync-gate.js';

export type { Handler, UpdateHandler } from './informer-handlers.js';
import {
  listQuery,
  statusError,
  watchQuery,
  type ObjectList,
  type Selectors,
  type StatusObject,
  type WatchEvent,
} from './watch-protocol.js';

export { listQuery, watchQuery, type Selectors } from './watch-protocol.js';

export {
  OWNER_INDEX,
  ObjectStore,
  backoffDelay,
  diffRelist,
  objectKey,
  randomWatchTimeoutSeconds,
  stripForCache,
  type Backoff,
  type IndexFn,
  type RelistDiff,
} from './informer-cache.js';

export type { KubeObject, OwnerReference as OwnerRef } from './object.js';

export interface ResourceRef {
  /** '' for the core group. */
  group: string;
  version: string;
  plural: string;
  namespaced: boolean;
  kind: string;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFn = (level: LogLevel, msg: string, meta?: object) => void;

export interface InformerOptions {
  client: KubeClient;
  resource: ResourceRef;
  /** Watch one namespace (namespaced resources only); all namespaces when unset. */
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Applied to every object before it is cached; default: stripForCache. */
  transform?: (o: KubeObject) => KubeObject;
  /** Server-side watch timeout; default random 300–600 s per watch, so informers do not reconnect in step. */
  watchTimeoutSeconds?: number;
  /** A watch that carries no bytes this long is dropped; default watch timeout + 30 s. */
  idleTimeoutMs?: number;
  /** Retry delay after failures; default 800 ms doubling to 30 s, with jitter. */
  backoff?: Backoff;
  log?: LogFn;
}

export interface InformerStats {
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

const LIST_TIMEOUT_MS = 60_000;
/** A watch that ends cleanly sooner than this without events counts as a failure (backoff). */
const MIN_QUIET_WATCH_MS = 1_000;
const DEFAULT_BACKOFF: Backoff = { initialMs: 800, maxMs: 30_000 };

export type Outcome =
  | { kind: 'ended'; events: number; durationMs: number }
  | { kind: 'gone'; error: unknown }
  | { kind: 'failed'; error: unknown };

/** Thrown from the line handler to close a stream that carried an ERROR event. */
class StreamErrorEvent extends Error {}

const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export class Informer<T extends KubeObject = KubeObject> {
  private readonly store = new ObjectStore<T>();
  private readonly handlers = new InformerHandlers<T>((event, obj, err) =>
    this.log('error', `${event} handler failed`, {
      name: obj.metadata.name,
      namespace: obj.metadata.namespace,
      error: errorText(err),
    }),
  );
  private readonly syncGate = new SyncGate((ms) => this.syncTimeoutError(ms));
  private readonly abort = new AbortController();
  private readonly path: string;
  private readonly selectors: Selectors;
  private readonly counters: InformerStats = { relists: 0, reconnects: 0, events: 0, failures: 0 };
  private loop: Promise<void> | undefined;
  private stopped = false;
  private rv: string | undefined;
  private watches = 0;
  private backoffAttempt = 0;
  /** 410s in a row without an event in between; the first relists at once, later ones back off. */
  private goneStreak = 0;

  constructor(private readonly opts: InformerOptions) {
    this.path = collectionPath(opts.resource, opts.resource.namespaced ? opts.namespace : undefined);
    this.selectors = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
  }

  start(): void {
    if (this.stopped) throw new Error('a stopped informer cannot be restarted; create a new one');
    this.loop ??= this.run().catch((err: unknown) =>
      this.log('error', 'informer loop failed', { error: errorText(err) }),
    );
  }

  /** Stops for good: aborts the request in flight, resolves once the loop has ended. */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.abort.abort();
      this.syncGate.close(new Error('informer stopped before its cache synced'));
    }
    await this.loop;
  }

  hasSynced(): boolean {
    return this.syncGate.isOpen;
  }

  waitForSync(timeoutMs?: number): Promise<void> {
    return this.syncGate.wait(timeoutMs);
  }

  /** Handlers are isolated: one that throws is logged and never breaks the loop or the others. */
  onAdd(handler: Handler<T>): () => void {
    return this.handlers.onAdd(handler);
  }

  onUpdate(handler: UpdateHandler<T>): () => void {
    return this.handlers.onUpdate(handler);
  }

  onDelete(handler: Handler<T>): () => void {
    return this.handlers.onDelete(handler);
  }

  /** The cached object; shared with the cache and handlers, so treat it as read-only. */
  get(namespace: string | undefined, name: string): T | undefined {
    return this.store.get(namespace, name);
  }

  list(namespace?: string): T[] {
    return this.store.list(namespace);
  }

  addIndex(name: string, fn: IndexFn<T>): void {
    this.store.addIndex(name, (obj) => {
      try {
        return fn(obj);
      } catch (err) {
        this.log('error', 'index function threw; object left out of the index', {
          index: name,
          error: errorText(err),
        });
        return [];
      }
    });
  }

  byIndex(name: string, value: string): T[] {
    return this.store.byIndex(name, value);
  }

  resourceVersion(): string | undefined {
    return this.rv;
  }

  stats(): InformerStats {
    return { ...this.counters };
  }

  private async run(): Promise<void> {
    while (!this.isStopped()) {
      const outcome = await this.attempt();
      if (this.isStopped()) break;
      const delayMs = this.delayAfter(outcome);
      if (delayMs > 0) await this.pause(delayMs);
    }
    this.log('debug', 'informer stopped');
  }

  /** A method, not a field read, so the compiler does not assume it unchanged across awaits. */
  private isStopped(): boolean {
    return this.stopped;
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

  private pause(ms: number): Promise<void> {
    return sleepUnless(ms, this.abort.signal);
  }

  private async relist(): Promise<void> {
    const { items, resourceVersion } = await this.listAll();
    const diff = this.store.replace(items);
    this.rv = resourceVersion;
    this.counters.failures = 0;
    if (this.syncGate.isOpen) this.counters.relists++;
    this.log(this.syncGate.isOpen ? 'info' : 'debug', 'listed', {
      objects: items.length,
      resourceVersion,
      added: diff.added.length,
      updated: diff.updated.length,
      deleted: diff.deleted.length,
    });
    for (const obj of diff.added) this.handlers.added(obj);
    for (const { old, cur } of diff.updated) this.handlers.updated(old, cur);
    for (const obj of diff.deleted) this.handlers.deleted(obj);
    this.syncGate.open();
  }

  private async listAll(): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = '';
    do {
      const page = await this.opts.client.request<ObjectList>({
        method: 'GET',
        path: this.path,
        query: listQuery(this.selectors, continueToken),
        timeoutMs: LIST_TIMEOUT_MS,
        signal: this.abort.signal,
      });
      for (const item of page.items) items.push(this.prepare(item));
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
          path: this.path,
          query: watchQuery(this.selectors, resourceVersion, timeoutSeconds),
          signal: this.abort.signal,
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
        this.upsert(this.prepare(raw));
        break;
      case 'DELETED':
        this.delete(this.prepare(raw));
        break;
      case 'BOOKMARK':
        break;
      default:
        this.log('warn', 'ignoring a watch event of unknown type', { type: event.type });
    }
    // Recorded after the cache change, so a reconnect resumes after this event, not before it.
    this.rv = raw.metadata.resourceVersion ?? this.rv;
  }

  private upsert(obj: T): void {
    const old = this.store.upsert(obj);
    if (old) this.handlers.updated(old, obj);
    else this.handlers.added(obj);
  }

  private delete(obj: T): void {
    this.store.remove(obj);
    this.handlers.deleted(obj);
  }

  /** Fills in the type (list items carry none) and applies the transform. */
  private prepare(raw: KubeObject): T {
    const { group, version, kind } = this.opts.resource;
    raw.apiVersion ??= group ? `${group}/${version}` : version;
    raw.kind ??= kind;
    const transform = this.opts.transform ?? stripForCache;
    try {
      return transform(raw) as T;
    } catch (err) {
      this.log('error', 'transform threw; caching the object untransformed', {
        name: raw.metadata.name,
        namespace: raw.metadata.namespace,
        error: errorText(err),
      });
      return raw as T;
    }
  }

  private syncTimeoutError(timeoutMs: number): Error {
    const last = this.counters.lastError ? ` (last error: ${this.counters.lastError})` : '';
    return new Error(`the ${this.opts.resource.plural} cache did not sync within ${timeoutMs} ms${last}`);
  }

  private log(level: LogLevel, msg: string, meta?: object): void {
    this.opts.log?.(level, msg, { resource: this.opts.resource.plural, ...meta });
  }
}
