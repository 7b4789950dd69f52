// A list+watch informer with an in-memory cache, one per watched resource.
// It replaces client-node's informer, which stops for good on any error other
// than 410, has no working watch timeout in 1.4, and turns a throwing handler
// into an unhandled rejection. Its list/watch loops (reflector.ts, one per
// watched namespace, or one cluster-wide) retry forever until stop(); handlers
// are isolated from the loops and from each other.
import { collectionPath } from './discovery.js';
import type { KubeClient } from './kube-client.js';
import { ObjectStore, stripForCache, type Backoff, type IndexFn } from './informer-cache.js';
import { InformerHandlers, type Handler, type UpdateHandler } from './informer-handlers.js';
import type { KubeObject } from './object.js';
import { Reflector, errorText, type LogLevel, type ReflectorStats } from './reflector.js';
import { SyncGate } from './sync-gate.js';

export type { Handler, UpdateHandler } from './informer-handlers.js';
export type { LogLevel } from './reflector.js';

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

export type LogFn = (level: LogLevel, msg: string, meta?: object) => void;

export interface InformerOptions {
  client: KubeClient;
  resource: ResourceRef;
  /** Watch one namespace (namespaced resources only); all namespaces when unset. */
  namespace?: string;
  /**
   * Watch these namespaces, one list/watch each, into one cache (namespaced
   * resources only; ignored when empty). Takes precedence over `namespace`.
   */
  namespaces?: readonly string[];
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

export type InformerStats = ReflectorStats;

/** The namespaces an informer lists and watches: [undefined] is the whole cluster. */
export function informerScopes(
  opts: Pick<InformerOptions, 'resource' | 'namespace' | 'namespaces'>,
): (string | undefined)[] {
  if (!opts.resource.namespaced) return [undefined];
  if (opts.namespaces?.length) return [...new Set(opts.namespaces)];
  return [opts.namespace];
}

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
  private readonly reflectors: Reflector<T>[];
  /** Reflectors whose first list has not arrived yet; the cache syncs when none is left. */
  private unlisted: number;
  private loop: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly opts: InformerOptions) {
    const selectors = { labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector };
    this.reflectors = informerScopes(opts).map(
      (namespace) =>
        new Reflector<T>(
          {
            client: opts.client,
            path: collectionPath(opts.resource, namespace),
            namespace,
            selectors,
            watchTimeoutSeconds: opts.watchTimeoutSeconds,
            idleTimeoutMs: opts.idleTimeoutMs,
            backoff: opts.backoff,
            signal: this.abort.signal,
          },
          {
            replace: (items, ns, first) => this.replace(items, ns, first),
            upsert: (obj) => this.upsert(obj),
            remove: (obj) => this.delete(obj),
            prepare: (raw) => this.prepare(raw),
            log: (level, msg, meta) => this.log(level, msg, meta),
          },
        ),
    );
    this.unlisted = this.reflectors.length;
  }

  start(): void {
    if (this.stopped) throw new Error('a stopped informer cannot be restarted; create a new one');
    this.loop ??= Promise.all(this.reflectors.map((r) => r.run()))
      .then(() => this.log('debug', 'informer stopped'))
      .catch((err: unknown) => this.log('error', 'informer loop failed', { error: errorText(err) }));
  }

  /** Stops for good: aborts the requests in flight, resolves once the loops have ended. */
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

  /** The resourceVersion the watch resumes from; undefined for a multi-namespace informer. */
  resourceVersion(): string | undefined {
    return this.reflectors.length === 1 ? this.reflectors[0]?.rv : undefined;
  }

  /** Counters summed over the informer's list/watch loops. */
  stats(): InformerStats {
    const total: InformerStats = { relists: 0, reconnects: 0, events: 0, failures: 0 };
    for (const { counters: c } of this.reflectors) {
      total.relists += c.relists;
      total.reconnects += c.reconnects;
      total.events += c.events;
      total.failures += c.failures;
      if (c.lastEventAt !== undefined) total.lastEventAt = Math.max(total.lastEventAt ?? 0, c.lastEventAt);
      total.lastError ??= c.lastError;
    }
    return total;
  }

  private replace(items: T[], namespace: string | undefined, first: boolean): void {
    const diff = this.store.replace(items, this.reflectors.length > 1 ? namespace : undefined);
    this.log(first ? 'debug' : 'info', 'listed', {
      namespace,
      objects: items.length,
      added: diff.added.length,
      updated: diff.updated.length,
      deleted: diff.deleted.length,
    });
    for (const obj of diff.added) this.handlers.added(obj);
    for (const { old, cur } of diff.updated) this.handlers.updated(old, cur);
    for (const obj of diff.deleted) this.handlers.deleted(obj);
    if (first && --this.unlisted === 0) this.syncGate.open();
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
    const stats = this.stats();
    const last = stats.lastError ? ` (last error: ${stats.lastError})` : '';
    return new Error(`the ${this.opts.resource.plural} cache did not sync within ${timeoutMs} ms${last}`);
  }

  private log(level: LogLevel, msg: string, meta?: object): void {
    this.opts.log?.(level, msg, { resource: this.opts.resource.plural, ...meta });
  }
}
