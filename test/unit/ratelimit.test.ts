import { expect } from 'chai';
import {
  BucketRateLimiter,
  ItemExponentialFailureRateLimiter,
  MaxOfRateLimiter,
  defaultControllerRateLimiter,
} from '../../src/runtime/ratelimit.js';

/** A clock that only moves when the test says so. */
function manualClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

function delays(limiter: { when(key: string): number }, key: string, n: number): number[] {
  return Array.from({ length: n }, () => limiter.when(key));
}

describe('ItemExponentialFailureRateLimiter', () => {
  it('doubles the delay on each failure starting at the base delay', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    expect(delays(limiter, 'a', 6)).to.deep.equal([5, 10, 20, 40, 80, 160]);
    expect(limiter.numRequeues('a')).to.equal(6);
  });

  it('caps the delay at the maximum', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>(5, 30);
    expect(delays(limiter, 'a', 5)).to.deep.equal([5, 10, 20, 30, 30]);
  });

  it('stays at the cap instead of overflowing after thousands of failures', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    const all = delays(limiter, 'a', 2000);
    expect(all.at(-1)).to.equal(1_000_000);
    expect(all.every((d) => Number.isFinite(d) && d <= 1_000_000)).to.equal(true);
  });

  it('tracks each key separately', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    delays(limiter, 'a', 3);
    expect(limiter.when('b')).to.equal(5);
    expect(limiter.numRequeues('a')).to.equal(3);
    expect(limiter.numRequeues('b')).to.equal(1);
  });

  it('starts again from the base delay after forget', () => {
    const limiter = new ItemExponentialFailureRateLimiter<string>(5, 1_000_000);
    delays(limiter, 'a', 4);
    limiter.forget('a');
    expect(limiter.numRequeues('a')).to.equal(0);
    expect(limiter.when('a')).to.equal(5);
  });
});

describe('BucketRateLimiter', () => {
  it('lets a burst through at once, then spaces requests at the rate', () => {
    const clock = manualClock();
    const limiter = new BucketRateLimiter<string>(10, 3, clock.now);
    expect(delays(limiter, 'x', 6)).to.deep.equal([0, 0, 0, 100, 200, 300]);
  });

  it('refills tokens as time passes, never above the burst', () => {
    const clock = manualClock();
    const limiter = new BucketRateLimiter<string>(10, 3, clock.now);
    delays(limiter, 'x', 3);
    clock.advance(150);
    // 1.5 tokens came back: one is available now, the next is half a token (50 ms) away.
    expect(delays(limiter, 'x', 2)).to.deep.equal([0, 50]);
    clock.advance(60_000);
    expect(delays(limiter, 'x', 4)).to.deep.equal([0, 0, 0, 100]);
  });

  it('shares one bucket across keys and keeps no per-key state', () => {
    const clock = manualClock();
    const limiter = new BucketRateLimiter<string>(10, 1, clock.now);
    expect(limiter.when('a')).to.equal(0);
    expect(limiter.when('b')).to.equal(100);
    limiter.forget('b');
    expect(limiter.numRequeues('a')).to.equal(0);
    expect(limiter.when('c')).to.equal(200);
  });
});

describe('MaxOfRateLimiter', () => {
  it('returns the longest delay of its limiters and records the failure in each', () => {
    const clock = manualClock();
    const limiter = new MaxOfRateLimiter<string>(
      new ItemExponentialFailureRateLimiter<string>(5, 1_000_000),
      new BucketRateLimiter<string>(1, 1, clock.now),
    );
    expect(limiter.when('a')).to.equal(5); // bucket has a token: exponential wins
    expect(limiter.when('a')).to.equal(1000); // bucket empty: 1 s at 1 qps beats 10 ms
    expect(limiter.numRequeues('a')).to.equal(2);
    limiter.forget('a');
    expect(limiter.numRequeues('a')).to.equal(0);
  });

  it('refuses to be built without limiters', () => {
    expect(() => new MaxOfRateLimiter<string>()).to.throw(RangeError);
  });
});

describe('defaultControllerRateLimiter', () => {
  it('backs off per key from 5 ms and caps at 1000 s like client-go', () => {
    const clock = manualClock();
    const limiter = defaultControllerRateLimiter({ now: clock.now });
    expect(delays(limiter, 'a', 4)).to.deep.equal([5, 10, 20, 40]);
    const later = delays(limiter, 'b', 40);
    expect(later.at(-1)).to.equal(1_000_000);
  });

  it('throttles overall retries to 10 per second after a burst of 100', () => {
    const clock = manualClock();
    const limiter = defaultControllerRateLimiter({ now: clock.now, baseDelayMs: 0 });
    const first = Array.from({ length: 101 }, (_, i) => limiter.when(`k${i}`));
    expect(first.slice(0, 100).every((d) => d === 0)).to.equal(true);
    expect(first[100]).to.equal(100);
  });

  it('takes its settings from the options', () => {
    const clock = manualClock();
    const limiter = defaultControllerRateLimiter({
      baseDelayMs: 1,
      maxDelayMs: 4,
      qps: 1,
      burst: 2,
      now: clock.now,
    });
    expect(delays(limiter, 'a', 2)).to.deep.equal([1, 2]);
    expect(limiter.when('a')).to.equal(1000); // third token: bucket of 2 at 1 qps
  });
});
