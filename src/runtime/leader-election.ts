// Lease-based leader election with client-go's semantics (tools/leaderelection):
// a Lease held by someone else is trusted only by local observation (the
// record changed at local time t, so it is valid until t + leaseDuration on our
// own monotonic clock); takeovers are PUTs carrying resourceVersion so
// concurrent candidates conflict; a leader that cannot renew within
// renewDeadline gives up before any standby may take over.
//
// Two deliberate differences from client-go, both on the safe side:
// - the renew deadline counts from the start of the last successful renewal
//   (client-go counts from the start of the current renew round, up to one
//   retryPeriod later), so leadership is dropped before the lease can expire
//   for others whenever leaseDuration > renewDeadline;
// - a leader that sees another holder in the Lease gives up at once instead of
//   polling until renewDeadline; and a waiting candidate wakes at the observed
//   expiry if that comes before its next jittered retry.
import type { KubeClient } from './kube-client.js';
import { isConflict, isNotFound } from './kube-client.js';
import { sleepUnless, withDeadline } from './abortable.js';
import { formatMicroTime } from './microtime.js';
import { claimLease, LeaseStore, newLease, recordKey, type Claimant, type Lease } from './lease.js';

export type { Lease } from './lease.js';

type LogFn = (
  level: 'debug' | 'info' | 'warn' | 'error',
  message: string,
  fields?: Record<string, unknown>,
) => void;

export interface LeaderElectorOptions {
  client: Pick<KubeClient, 'request'>;
  namespace: string;
  /** The Lease's name, also the `name` label of leader_election_master_status. */
  name: string;
  /** Unique per candidate, e.g. the pod name plus a random suffix. */
  identity: string;
  /** Default 15 s. The Lease stores whole seconds, rounded up (longer is the safe side for the leader). */
  leaseDurationMs?: number;
  /** Default 10 s. */
  renewDeadlineMs?: number;
  /** Default 2 s. */
  retryPeriodMs?: number;
  /** On stop(), hand the Lease back so a standby takes over at once. Default true. */
  releaseOnCancel?: boolean;
  /**
   * Called on becoming leader. `signal` aborts when leadership ends. If this
   * returns a promise, a graceful stop() waits for it before releasing the Lease.
   */
  onStartedLeading: (signal: AbortSignal) => void | Promise<void>;
  /** Called once after leading ends: `lost` when renewal failed or another holder took the Lease. */
  onStoppedLeading: (info: { lost: boolean }) => void;
  /** Called when the observed holder changes (this candidate included). */
  onNewLeader?: (identity: string) => void;
  /** Metrics hook, e.g. for leader_election_master_status{name}. */
  onLeaderChange?: (isLeader: boolean) => void;
  /** Wall clock for the Lease's timestamps; validity is judged on a monotonic clock. */
  now?: () => Date;
  log?: LogFn;
}

/** held: we hold the Lease now; other: someone else validly holds it; failed: try again later. */
type Attempt = 'held' | 'other' | 'failed';

/** client-go's JitterFactor: waits are retryPeriod × [1, 2.2). */
export const JITTER_FACTOR = 1.2;
const DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };
const monotonicMs = () => performance.now();

export class LeaderElector {
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  private readonly opts: LeaderElectorOptions;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly now: () => Date;
  private readonly log: LogFn;
  private readonly store: LeaseStore;

  private lease: Lease | undefined;
  private observedRecord = '';
  private observedAtMs = 0;
  private renewedAtMs = 0;
  private leading = false;
  private reportedLeader: string | undefined;
  private leadership: { controller: AbortController; work: Promise<void> } | undefined;
  private runPromise: Promise<void> | undefined;
  private stopping = false;
  private release: boolean;
  private killed = false;
  /** Wakes sleeps on stop. */
  private readonly wake = new AbortController();
  /** Aborts in-flight requests on abandon. */
  private readonly kill = new AbortController();

  constructor(options: LeaderElectorOptions) {
    this.opts = options;
    this.namespace = options.namespace;
    this.name = options.name;
    this.identity = options.identity;
    this.store = new LeaseStore(options.client, options.namespace, options.name);
    this.leaseDurationMs = options.leaseDurationMs ?? DEFAULTS.leaseDurationMs;
    this.renewDeadlineMs = options.renewDeadlineMs ?? DEFAULTS.renewDeadlineMs;
    this.retryPeriodMs = options.retryPeriodMs ?? DEFAULTS.retryPeriodMs;
    this.release = options.releaseOnCancel ?? true;
    this.now = options.now ?? (() => new Date());
    this.log = options.log ?? (() => undefined);
    validate(this.identity, this.leaseDurationMs, this.renewDeadlineMs, this.retryPeriodMs);
  }

  /** Campaigns, leads, and resolves once leadership is lost or stop() was called. Idempotent. */
  run(): Promise<void> {
    this.runPromise ??= this.campaign();
    return this.runPromise;
  }

  /**
   * Graceful stop: aborts the leader's signal, waits for onStartedLeading's
   * promise, then (if `release`, default releaseOnCancel) hands the Lease back.
   */
  stop({ release = this.release }: { release?: boolean } = {}): Promise<void> {
    this.release = release;
    this.stopping = true;
    this.wake.abort();
    return this.runPromise ?? Promise.resolve();
  }

  /** Like a SIGKILL as far as the API server can tell: no release, no further writes, requests cut. */
  abandon(): Promise<void> {
    this.killed = true;
    this.kill.abort(new Error('leader elector abandoned'));
    return this.stop({ release: false });
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder last observed in the Lease ('' when released), if any was read yet. */
  observedLeader(): string | undefined {
    return this.lease?.spec?.holderIdentity;
  }

  private async campaign(): Promise<void> {
    if (!(await this.acquire())) return;
    let lost = false;
    if (!this.stopping) {
      this.startLeading();
      lost = await this.renewUntilLostOrStopped();
    }
    await this.finish(lost);
  }

  private async acquire(): Promise<boolean> {
    while (!this.stopping) {
      const result = await this.withDeadline(this.renewDeadlineMs, (signal) =>
        this.tryAcquireOrRenew(signal),
      );
      if (result === 'held') return true;
      await this.pause(this.acquireWaitMs());
    }
    return false;
  }

  /** Returns true when leadership was lost, false when stopping. */
  private async renewUntilLostOrStopped(): Promise<boolean> {
    for (;;) {
      const deadline = this.renewedAtMs + this.renewDeadlineMs;
      await this.pause(Math.min(this.retryPeriodMs, deadline - monotonicMs()));
      if (this.stopping) return false;
      const remaining = deadline - monotonicMs();
      if (remaining <= 0) return this.lose(`no successful renewal for ${this.renewDeadlineMs} ms`);
      const result = await this.withDeadline(remaining, (signal) => this.tryAcquireOrRenew(signal));
      if (result === 'other') return this.lose(`the Lease is now held by ${this.observedLeader()}`);
    }
  }

  private async tryAcquireOrRenew(signal: AbortSignal): Promise<Attempt> {
    const startedMs = monotonicMs();
    const now = this.now();
    if (this.leading && this.lease) {
      // Fast path: PUT on the copy we wrote last, saving a GET per renewal.
      const renewed = await this.store
        .put(claimLease(this.lease, this.claimant(), now), signal)
        .catch((err: unknown) => {
          this.log('debug', 'lease renewal on the cached copy failed; re-reading', errorField(err));
          return undefined;
        });
      if (renewed) return this.accept(renewed, startedMs);
    }
    let current: Lease;
    try {
      current = await this.store.get(signal);
    } catch (err) {
      if (isNotFound(err)) return this.create(now, startedMs, signal);
      this.log('warn', 'reading the lease failed', errorField(err));
      return 'failed';
    }
    this.observe(current);
    if (this.heldByAnotherAndValid(current)) return 'other';
    try {
      return this.accept(await this.store.put(claimLease(current, this.claimant(), now), signal), startedMs);
    } catch (err) {
      // A conflict means another candidate wrote first; the next attempt re-reads.
      this.log(isConflict(err) ? 'debug' : 'warn', 'taking the lease failed', errorField(err));
      return 'failed';
    }
  }

  private async create(now: Date, startedMs: number, signal: AbortSignal): Promise<Attempt> {
    try {
      const created = await this.store.create(
        newLease(this.namespace, this.name, this.claimant(), now),
        signal,
      );
      return this.accept(created, startedMs);
    } catch (err) {
      // 409: another candidate created it first.
      this.log(isConflict(err) ? 'debug' : 'warn', 'creating the lease failed', errorField(err));
      return 'failed';
    }
  }

  private claimant(): Claimant {
    return { identity: this.identity, leaseDurationSeconds: Math.ceil(this.leaseDurationMs / 1000) };
  }

  /** Records a Lease we just wrote. */
  private accept(written: Lease, startedMs: number): Attempt {
    this.observe(written);
    // Count from before the request: the server's copy can be no older than that.
    this.observedAtMs = startedMs;
    this.renewedAtMs = startedMs;
    return 'held';
  }

  /** Notes the Lease and, if its record changed, the local time we saw the change. */
  private observe(lease: Lease): void {
    const record = recordKey(lease.spec);
    if (record !== this.observedRecord) {
      this.observedRecord = record;
      this.observedAtMs = monotonicMs();
    }
    this.lease = lease;
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder && holder !== this.reportedLeader) {
      this.reportedLeader = holder;
      this.callback('onNewLeader', () => this.opts.onNewLeader?.(holder));
    }
  }

  private heldByAnotherAndValid(lease: Lease): boolean {
    const holder = lease.spec?.holderIdentity ?? '';
    return holder !== '' && holder !== this.identity && this.observedExpiryMs() > monotonicMs();
  }

  private observedExpiryMs(): number {
    const seconds = this.lease?.spec?.leaseDurationSeconds ?? this.claimant().leaseDurationSeconds;
    return this.observedAtMs + seconds * 1000;
  }

  /** A jittered retryPeriod, cut short if the holder's lease expires (locally) sooner. */
  private acquireWaitMs(): number {
    const jittered = this.retryPeriodMs * (1 + Math.random() * JITTER_FACTOR);
    const holder = this.lease?.spec?.holderIdentity ?? '';
    if (holder === '' || holder === this.identity) return jittered;
    const untilExpiry = this.observedExpiryMs() - monotonicMs() + 1;
    return Math.max(0, Math.min(jittered, untilExpiry));
  }

  private startLeading(): void {
    const controller = new AbortController();
    this.setLeading(true);
    this.log('info', 'became leader', { lease: `${this.namespace}/${this.name}`, identity: this.identity });
    let work: Promise<void>;
    try {
      work = Promise.resolve(this.opts.onStartedLeading(controller.signal));
    } catch (err) {
      work = Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    work = work.catch((err: unknown) => {
      this.log('error', 'onStartedLeading failed', errorField(err));
    });
    this.leadership = { controller, work };
  }

  /** Leadership is gone: stop acting as leader now, before anything else. */
  private lose(why: string): true {
    this.log('error', 'leader election lost', { lease: `${this.namespace}/${this.name}`, why });
    this.setLeading(false);
    this.leadership?.controller.abort(new Error(`leader election lost: ${why}`));
    return true;
  }

  private async finish(lost: boolean): Promise<void> {
    const leadership = this.leadership;
    this.leadership = undefined;
    if (leadership && !lost) {
      leadership.controller.abort(new Error('leader elector stopped'));
      // Graceful: the old leader's work ends before a standby can start.
      if (!this.killed) await leadership.work;
    }
    // Not leading from here on, so two electors never both report leadership.
    this.setLeading(false);
    if (!lost && this.release && !this.killed) await this.releaseLease();
    if (leadership) this.callback('onStoppedLeading', () => this.opts.onStoppedLeading({ lost }));
  }

  /** Hands the Lease back (empty holder, 1 s duration) so a standby takes it at its next retry. */
  private releaseLease(): Promise<void> {
    return this.withDeadline(this.renewDeadlineMs, (signal) => this.releaseWith(signal));
  }

  private async releaseWith(signal: AbortSignal): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const lease = this.lease;
      if (lease?.spec?.holderIdentity !== this.identity) return;
      const now = formatMicroTime(this.now());
      const released: Lease = {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
        },
      };
      try {
        this.lease = await this.store.put(released, signal);
        this.log('info', 'released the lease', { lease: `${this.namespace}/${this.name}` });
        return;
      } catch (err) {
        // On a conflict re-read: if we still hold it, the next attempt releases the fresh copy.
        if (!isConflict(err) || !(await this.reread(signal))) {
          this.log('warn', 'releasing the lease failed', errorField(err));
          return;
        }
      }
    }
  }

  private async reread(signal: AbortSignal): Promise<boolean> {
    try {
      this.lease = await this.store.get(signal);
      return true;
    } catch {
      return false;
    }
  }

  private setLeading(leading: boolean): void {
    if (this.leading === leading) return;
    this.leading = leading;
    this.callback('onLeaderChange', () => this.opts.onLeaderChange?.(leading));
  }

  private withDeadline<T>(timeoutMs: number, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return withDeadline(timeoutMs, this.kill.signal, 'lease request', fn);
  }

  /** Sleeps `ms`, or less if stop() is called. */
  private pause(ms: number): Promise<void> {
    return sleepUnless(ms, this.wake.signal);
  }

  /** A throwing user callback must not break the election loop. */
  private callback(name: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log('error', `${name} threw`, errorField(err));
    }
  }
}

function validate(identity: string, leaseMs: number, renewMs: number, retryMs: number): void {
  if (!identity) throw new Error('leader election needs a non-empty identity');
  if (!(leaseMs >= 1000)) throw new Error(`leaseDurationMs must be at least 1000, got ${leaseMs}`);
  if (!(leaseMs > renewMs)) throw new Error('leaseDurationMs must be greater than renewDeadlineMs');
  if (!(retryMs > 0)) throw new Error('retryPeriodMs must be positive');
  if (!(renewMs > JITTER_FACTOR * retryMs)) {
    throw new Error(`renewDeadlineMs must be greater than ${JITTER_FACTOR} × retryPeriodMs`);
  }
}

function errorField(err: unknown): { error: string } {
  return { error: err instanceof Error ? err.message : String(err) };
}
