// Rate limiters for the work queue, with client-go's semantics (util/workqueue default_rate_limiters.go).
// Pure state machines: time comes from an injectable clock so tests need no real waiting.

/** Decides how long a key waits before it is retried. All durations are milliseconds. */
export interface RateLimiter<K> {
  /** Delay before `key` may be retried; counts as one more failure for per-key limiters. */
  when(key: K): number;
  /** Stops tracking `key` (call on success). */
  forget(key: K): void;
  /** How many times `key` has been rate-limited since the last `forget`. */
  numRequeues(key: K): number;
}

export type Clock = () => number;

// 2 ** 1023 is the largest finite power of two; beyond it the product would be Infinity or NaN.
const MAX_EXPONENT = 1023;

/** Per-key exponential backoff: `baseDelayMs * 2^failures`, capped at `maxDelayMs`. */
export class ItemExponentialFailureRateLimiter<K> implements RateLimiter<K> {
  readonly #failures = new Map<K, number>();

  constructor(
    readonly baseDelayMs = 5,
    readonly maxDelayMs = 1_000_000,
  ) {
    if (!(baseDelayMs >= 0) || !(maxDelayMs >= 0)) {
      throw new RangeError(`delays must be >= 0 (base ${baseDelayMs}, max ${maxDelayMs})`);
    }
  }

  when(key: K): number {
    const exp = this.#failures.get(key) ?? 0;
    this.#failures.set(key, exp + 1);
    return Math.min(this.baseDelayMs * 2 ** Math.min(exp, MAX_EXPONENT), this.maxDelayMs);
  }

  forget(key: K): void {
    this.#failures.delete(key);
  }

  numRequeues(key: K): number {
    return this.#failures.get(key) ?? 0;
  }
}

/**
 * One token bucket shared by every key (golang.org/x/time/rate semantics): `when` reserves a token and
 * returns how long until it is available, so callers that do wait are spread out at `qps`.
 */
export class BucketRateLimiter<K = unknown> implements RateLimiter<K> {
  #tokens: number;
  #last: number;

  constructor(
    readonly qps = 10,
    readonly burst = 100,
    private readonly now: Clock = Date.now,
  ) {
    if (!(qps > 0) || !(burst >= 1)) throw new RangeError(`need qps > 0 and burst >= 1 (${qps}, ${burst})`);
    this.#tokens = burst;
    this.#last = now();
  }

  when(_key: K): number {
    if (this.qps === Infinity) return 0;
    this.#refill();
    this.#tokens -= 1;
    return this.#tokens >= 0 ? 0 : (-this.#tokens / this.qps) * 1000;
  }

  forget(_key: K): void {
    // The bucket is global: one key's success does not return tokens.
  }

  numRequeues(_key: K): number {
    return 0;
  }

  #refill(): void {
    const t = this.now();
    // A clock that steps backwards adds nothing rather than removing tokens.
    const elapsedMs = Math.max(0, t - this.#last);
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsedMs * this.qps) / 1000);
    this.#last = t;
  }
}

/** The strictest of several limiters: the longest delay and the highest requeue count win. */
export class MaxOfRateLimiter<K> implements RateLimiter<K> {
  readonly #limiters: readonly RateLimiter<K>[];

  constructor(...limiters: RateLimiter<K>[]) {
    if (limiters.length === 0) throw new RangeError('MaxOfRateLimiter needs at least one limiter');
    this.#limiters = limiters;
  }

  when(key: K): number {
    // Every limiter is asked, so each one records the failure.
    return Math.max(...this.#limiters.map((l) => l.when(key)));
  }

  forget(key: K): void {
    for (const l of this.#limiters) l.forget(key);
  }

  numRequeues(key: K): number {
    return Math.max(...this.#limiters.map((l) => l.numRequeues(key)));
  }
}

export interface ControllerRateLimiterOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  qps?: number;
  burst?: number;
  now?: Clock;
}

/** client-go's DefaultControllerRateLimiter: max(per-key 5 ms·2^n capped at 1000 s, a 10 qps / 100 bucket). */
export function defaultControllerRateLimiter<K = string>(
  opts: ControllerRateLimiterOptions = {},
): RateLimiter<K> {
  const { baseDelayMs = 5, maxDelayMs = 1_000_000, qps = 10, burst = 100, now = Date.now } = opts;
  return new MaxOfRateLimiter<K>(
    new ItemExponentialFailureRateLimiter<K>(baseDelayMs, maxDelayMs),
    new BucketRateLimiter<K>(qps, burst, now),
  );
}
