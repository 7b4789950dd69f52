// The shared work queue: client-go's Typed + delaying + rate-limiting queue semantics (dedup of waiting
// keys, one run per key at a time, earliest-wins delayed adds, per-key backoff), executed through p-queue.
import { controllerOfKey } from './keys.js';
import PQueue from 'p-queue';
import { defaultControllerRateLimiter, type Clock, type RateLimiter } from './ratelimit.js';

/** Receives queue events, labelled by controller; implemented with prom-client in queue-metrics.ts. */
export interface QueueMetricsSink {
  /** A key became waiting (dirty); counts `workqueue_adds_total`. */
  add(controller: string): void;
  /** Waiting keys changed by `delta` (`workqueue_depth`). */
  depth(controller: string, delta: number): void;
  /** Time from add to the start of processing. */
  queueLatency(controller: string, seconds: number): void;
  /** Time the handler took. */
  workDuration(controller: string, seconds: number): void;
  /** A delayed or rate-limited add (`workqueue_retries_total`). */
  retry(controller: string): void;
  /** Called once by the queue's constructor so the sink can sample in-flight work when scraped. */
  attach?(sampler: QueueSampler): void;
}

/** In-flight work per controller; controllers with nothing in flight are absent. */
export interface QueueSampler {
  unfinishedWorkSeconds(): Map<string, number>;
  longestRunningProcessorSeconds(): Map<string, number>;
}

export type QueueHandler = (key: string) => Promise<void>;

export interface WorkQueueOptions {
  /** Processes one key; its errors are the caller's to handle (the queue only survives them). */
  handler: QueueHandler;
  /** Handlers running at once across all keys. Default 1 (controller-runtime's MaxConcurrentReconciles). */
  concurrency?: number;
  rateLimiter?: RateLimiter<string>;
  /** Metrics label for a key; defaults to its lower-cased Kind segment. */
  controllerOf?: (key: string) => string;
  metrics?: QueueMetricsSink;
  now?: Clock;
  /** Sees errors the handler failed to handle itself; the queue carries on either way. */
  onHandlerError?: (key: string, err: unknown) => void;
}

export interface ShutdownOptions {
  /** Process keys already waiting before resolving (default true); false drops them. */
  drain?: boolean;
}

/** `Kind/namespace/name`; the namespace is empty for cluster-scoped objects. */
// Node fires longer timeouts immediately (TimeoutOverflowWarning), so long delays are armed in chunks.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Delayed {
  readyAt: number;
  timer: NodeJS.Timeout;
}

/** Array-backed FIFO with a moving head, so popping is O(1) amortised even with 100k keys queued. */
class Fifo {
  #items: string[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(key: string): void {
    this.#items.push(key);
  }

  shift(): string | undefined {
    if (this.length === 0) return undefined;
    const key = this.#items[this.#head++];
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return key;
  }

  clear(): void {
    this.#items = [];
    this.#head = 0;
  }
}

export class WorkQueue implements QueueSampler {
  readonly #handler: QueueHandler;
  readonly #concurrency: number;
  readonly #limiter: RateLimiter<string>;
  readonly #controllerOf: (key: string) => string;
  readonly #metrics: QueueMetricsSink | undefined;
  readonly #now: Clock;
  readonly #onHandlerError: (key: string, err: unknown) => void;
  readonly #executor: PQueue;

  readonly #fifo = new Fifo();
  /** Keys waiting to run: in the FIFO, or parked until their current run ends. */
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #delayed = new Map<string, Delayed>();
  /** When each dirty key was added, for queue latency. */
  readonly #addedAt = new Map<string, number>();
  readonly #startedAt = new Map<string, number>();
  #idleWaiters: (() => void)[] = [];
  #shuttingDown = false;

  constructor(opts: WorkQueueOptions) {
    const concurrency = opts.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be an integer >= 1, got ${concurrency}`);
    }
    this.#handler = opts.handler;
    this.#concurrency = concurrency;
    this.#now = opts.now ?? Date.now;
    this.#limiter = opts.rateLimiter ?? defaultControllerRateLimiter({ now: this.#now });
    this.#controllerOf = opts.controllerOf ?? controllerOfKey;
    this.#metrics = opts.metrics;
    this.#onHandlerError = opts.onHandlerError ?? (() => undefined);
    this.#executor = new PQueue({ concurrency });
    this.#metrics?.attach?.(this);
  }

  /** Queues `key` unless it is already waiting; a key being processed runs again once it finishes. */
  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    this.#addedAt.set(key, this.#now());
    const controller = this.#controllerOf(key);
    this.#metrics?.add(controller);
    this.#metrics?.depth(controller, 1);
    if (this.#processing.has(key)) return;
    this.#fifo.push(key);
    this.#dispatch();
  }

  /** Adds `key` after `delayMs`; if it is already scheduled, the earlier of the two times wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    this.#metrics?.retry(this.#controllerOf(key));
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = this.#now() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing && existing.readyAt <= readyAt) return;
    if (existing) clearTimeout(existing.timer);
    this.#delayed.set(key, { readyAt, timer: this.#arm(key, delayMs) });
  }

  /** Adds `key` after the rate limiter's delay (per-key backoff and the overall bucket). */
  addRateLimited(key: string): void {
    if (this.#shuttingDown) return;
    this.addAfter(key, this.#limiter.when(key));
  }

  /** Resets `key`'s backoff; call after a successful run. */
  forget(key: string): void {
    this.#limiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.#limiter.numRequeues(key);
  }

  /** Keys waiting in the FIFO (not those parked behind their own run, nor delayed ones). */
  len(): number {
    return this.#fifo.length;
  }

  processingCount(): number {
    return this.#processing.size;
  }

  isShutdown(): boolean {
    return this.#shuttingDown;
  }

  /** Resolves when nothing is queued, delayed or processing. */
  onIdle(): Promise<void> {
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** Stops accepting adds and cancels delayed ones; resolves once in-flight (and, if draining, queued) work is done. */
  async shutdown({ drain = true }: ShutdownOptions = {}): Promise<void> {
    this.#shuttingDown = true;
    this.#cancelDelayed();
    if (!drain) this.#dropWaiting();
    this.#notifyIfIdle();
    await this.onIdle();
    await this.#executor.onIdle();
  }

  unfinishedWorkSeconds(): Map<string, number> {
    return this.#sampleRunning((acc, s) => acc + s);
  }

  longestRunningProcessorSeconds(): Map<string, number> {
    return this.#sampleRunning((acc, s) => Math.max(acc, s));
  }

  #sampleRunning(combine: (acc: number, seconds: number) => number): Map<string, number> {
    const now = this.#now();
    const out = new Map<string, number>();
    for (const [key, started] of this.#startedAt) {
      const controller = this.#controllerOf(key);
      out.set(controller, combine(out.get(controller) ?? 0, (now - started) / 1000));
    }
    return out;
  }

  #arm(key: string, remainingMs: number): NodeJS.Timeout {
    const ms = Math.min(remainingMs, MAX_TIMER_MS);
    return setTimeout(() => {
      const entry = this.#delayed.get(key);
      if (!entry) return;
      if (remainingMs > ms) {
        entry.timer = this.#arm(key, remainingMs - ms);
        return;
      }
      this.#delayed.delete(key);
      this.add(key);
      // Defensive: if that add was a no-op, this timer was the last thing keeping onIdle() waiting.
      this.#notifyIfIdle();
    }, ms);
  }

  /** Starts FIFO keys while worker slots are free; keys leave the FIFO (and the dirty set) as they start. */
  #dispatch(): void {
    while (this.#processing.size < this.#concurrency) {
      const key = this.#fifo.shift();
      if (key === undefined) return;
      this.#start(key);
    }
  }

  #start(key: string): void {
    const now = this.#now();
    const controller = this.#controllerOf(key);
    this.#dirty.delete(key);
    this.#processing.add(key);
    this.#startedAt.set(key, now);
    this.#metrics?.depth(controller, -1);
    this.#metrics?.queueLatency(controller, (now - (this.#addedAt.get(key) ?? now)) / 1000);
    this.#addedAt.delete(key);
    void this.#executor.add(() => this.#run(key));
  }

  async #run(key: string): Promise<void> {
    try {
      await this.#handler(key);
    } catch (err) {
      this.#reportHandlerError(key, err);
    } finally {
      this.#done(key);
    }
  }

  #reportHandlerError(key: string, err: unknown): void {
    try {
      this.#onHandlerError(key, err);
    } catch {
      // An error hook that throws must not take the queue down with it.
    }
  }

  #done(key: string): void {
    const started = this.#startedAt.get(key) ?? this.#now();
    this.#metrics?.workDuration(this.#controllerOf(key), (this.#now() - started) / 1000);
    this.#startedAt.delete(key);
    this.#processing.delete(key);
    // Added while running: it was parked in the dirty set and runs again now, never concurrently.
    if (this.#dirty.has(key)) this.#fifo.push(key);
    this.#dispatch();
    this.#notifyIfIdle();
  }

  #cancelDelayed(): void {
    for (const { timer } of this.#delayed.values()) clearTimeout(timer);
    this.#delayed.clear();
  }

  #dropWaiting(): void {
    for (const key of this.#dirty) this.#metrics?.depth(this.#controllerOf(key), -1);
    this.#dirty.clear();
    this.#addedAt.clear();
    this.#fifo.clear();
  }

  #isIdle(): boolean {
    return this.#fifo.length === 0 && this.#processing.size === 0 && this.#delayed.size === 0;
  }

  #notifyIfIdle(): void {
    if (!this.#isIdle() || this.#idleWaiters.length === 0) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
