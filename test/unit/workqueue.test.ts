import { expect } from 'chai';
import { controllerOfKey } from '../../src/runtime/keys.js';
import { Registry } from 'prom-client';
import { setImmediate as tick } from 'node:timers/promises';
import { ItemExponentialFailureRateLimiter } from '../../src/runtime/ratelimit.js';
import { QueueMetrics } from '../../src/runtime/queue-metrics.js';
import { WorkQueue, type WorkQueueOptions } from '../../src/runtime/workqueue.js';

interface Gate {
  promise: Promise<void>;
  open: () => void;
}

function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** Records every run, how many runs of each key overlap, and can hold runs until a gate opens. */
class Recorder {
  readonly runs: string[] = [];
  running = 0;
  maxRunning = 0;
  readonly #perKey = new Map<string, number>();
  maxPerKey = 0;
  hold: Gate | undefined;

  readonly handler = async (key: string): Promise<void> => {
    this.runs.push(key);
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    const mine = (this.#perKey.get(key) ?? 0) + 1;
    this.#perKey.set(key, mine);
    this.maxPerKey = Math.max(this.maxPerKey, mine);
    try {
      await (this.hold?.promise ?? tick());
    } finally {
      this.#perKey.set(key, mine - 1);
      this.running--;
    }
  };

  count(key: string): number {
    return this.runs.filter((k) => k === key).length;
  }
}

async function until(cond: () => boolean, maxTicks = 1000): Promise<void> {
  for (let i = 0; i < maxTicks && !cond(); i++) await tick();
  expect(cond(), 'condition not reached').to.equal(true);
}

describe('WorkQueue', () => {
  const queues: WorkQueue[] = [];
  function newQueue(
    handler: (key: string) => Promise<void>,
    opts?: Omit<WorkQueueOptions, 'handler'>,
  ): WorkQueue {
    const q = new WorkQueue({ ...opts, handler });
    queues.push(q);
    return q;
  }
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((q) => q.shutdown({ drain: false })));
  });

  it('processes a key added ten times while waiting only once', async () => {
    const rec = new Recorder();
    rec.hold = gate();
    const q = newQueue(rec.handler);
    q.add('PrismPattern/ns/busy'); // occupies the only worker so the next key waits
    for (let i = 0; i < 10; i++) q.add('PrismPattern/ns/a');
    expect(q.len()).to.equal(1);
    rec.hold.open();
    await q.onIdle();
    expect(rec.count('PrismPattern/ns/a')).to.equal(1);
  });

  it('runs a key re-added while processing exactly once more, after the current run, never overlapping', async () => {
    const rec = new Recorder();
    rec.hold = gate();
    const q = newQueue(rec.handler, { concurrency: 4 });
    q.add('PrismPattern/ns/a');
    await until(() => rec.running === 1);
    for (let i = 0; i < 5; i++) q.add('PrismPattern/ns/a');
    // Parked behind its own run: not in the FIFO, so no free worker can pick it up.
    expect(q.len()).to.equal(0);
    expect(q.processingCount()).to.equal(1);
    await tick();
    expect(rec.count('PrismPattern/ns/a')).to.equal(1);
    const first = rec.hold;
    rec.hold = undefined;
    first.open();
    await q.onIdle();
    expect(rec.count('PrismPattern/ns/a')).to.equal(2);
    expect(rec.maxPerKey).to.equal(1);
  });

  it('runs different keys in parallel up to the concurrency and no further', async () => {
    const rec = new Recorder();
    rec.hold = gate();
    const q = newQueue(rec.handler, { concurrency: 4 });
    for (let i = 0; i < 10; i++) q.add(`PrismPattern/ns/k${i}`);
    await until(() => rec.running === 4);
    await tick();
    expect(rec.running).to.equal(4);
    expect(q.processingCount()).to.equal(4);
    expect(q.len()).to.equal(6);
    rec.hold.open();
    await q.onIdle();
    expect(rec.runs).to.have.length(10);
    expect(rec.maxRunning).to.equal(4);
  });

  it('dispatches keys in the order they were first added when the concurrency is 1', async () => {
    const rec = new Recorder();
    const q = newQueue(rec.handler);
    // 'busy' takes the worker, so every later add waits in the FIFO and repeats are deduplicated.
    for (const k of ['busy', 'a', 'b', 'c', 'b', 'd', 'a', 'e']) q.add(`PrismBackend/ns/${k}`);
    await q.onIdle();
    expect(rec.runs).to.deep.equal(['busy', 'a', 'b', 'c', 'd', 'e'].map((k) => `PrismBackend/ns/${k}`));
    expect(rec.maxRunning).to.equal(1);
  });

  it('holds a delayed key until its delay has passed', async function () {
    this.timeout(2000);
    const rec = new Recorder();
    const q = newQueue(rec.handler);
    q.addAfter('PrismStack/ns/a', 30);
    await tick();
    expect(rec.runs).to.deep.equal([]);
    expect(q.len()).to.equal(0);
    await q.onIdle();
    expect(rec.runs).to.deep.equal(['PrismStack/ns/a']);
  });

  it('adds at once when the delay is zero or negative', async () => {
    const rec = new Recorder();
    const q = newQueue(rec.handler);
    q.addAfter('PrismStack/ns/a', 0);
    q.addAfter('PrismStack/ns/b', -5);
    expect(q.processingCount() + q.len()).to.equal(2);
    await q.onIdle();
    expect(rec.runs).to.deep.equal(['PrismStack/ns/a', 'PrismStack/ns/b']);
  });

  it('lets a sooner addAfter replace a later one for the same key', async function () {
    this.timeout(2000); // a postponed key would keep onIdle waiting for 60 s
    const rec = new Recorder();
    const q = newQueue(rec.handler);
    q.addAfter('PrismStack/ns/a', 60_000);
    q.addAfter('PrismStack/ns/a', 10);
    await q.onIdle();
    expect(rec.runs).to.deep.equal(['PrismStack/ns/a']);
  });

  it('does not postpone a waiting key when a later addAfter arrives', async function () {
    this.timeout(2000);
    const rec = new Recorder();
    const q = newQueue(rec.handler);
    q.addAfter('PrismStack/ns/a', 10);
    q.addAfter('PrismStack/ns/a', 60_000);
    await q.onIdle();
    expect(rec.runs).to.deep.equal(['PrismStack/ns/a']);
  });

  it('delays rate-limited adds by the per-key backoff and counts requeues until forget', async function () {
    this.timeout(2000);
    const rec = new Recorder();
    const limiter = new ItemExponentialFailureRateLimiter<string>(1, 8);
    const q = newQueue(rec.handler, { rateLimiter: limiter });
    const key = 'PrismPattern/ns/flaky';
    for (let i = 0; i < 3; i++) {
      q.addRateLimited(key);
      expect(q.len() + q.processingCount()).to.equal(0); // delayed, not queued
      await q.onIdle();
    }
    expect(rec.count(key)).to.equal(3);
    expect(q.numRequeues(key)).to.equal(3);
    expect(limiter.when(key)).to.equal(8); // 1, 2, 4 were used; the fourth would be 8 (the cap)
    q.forget(key);
    expect(q.numRequeues(key)).to.equal(0);
  });

  it('ignores adds after shutdown and finishes queued and in-flight work when draining', async () => {
    const rec = new Recorder();
    rec.hold = gate();
    const q = newQueue(rec.handler);
    for (const k of ['a', 'b', 'c']) q.add(`PrismPattern/ns/${k}`);
    q.addAfter('PrismPattern/ns/later', 60_000); // must be cancelled, or shutdown would wait a minute
    await until(() => rec.running === 1);
    let finished = false;
    const done = q.shutdown().then(() => (finished = true));
    q.add('PrismPattern/ns/d');
    q.addAfter('PrismPattern/ns/e', 1);
    q.addRateLimited('PrismPattern/ns/f');
    expect(q.isShutdown()).to.equal(true);
    await tick();
    expect(finished).to.equal(false);
    const held = rec.hold;
    rec.hold = undefined;
    held.open();
    await done;
    expect(rec.runs).to.deep.equal(['a', 'b', 'c'].map((k) => `PrismPattern/ns/${k}`));
    expect(q.numRequeues('PrismPattern/ns/f')).to.equal(0);
  });

  it('drops queued work but waits for in-flight work when shutting down without drain', async () => {
    const rec = new Recorder();
    rec.hold = gate();
    const q = newQueue(rec.handler, { concurrency: 2 });
    for (const k of ['a', 'b', 'c', 'd']) q.add(`PrismPattern/ns/${k}`);
    await until(() => rec.running === 2);
    q.add('PrismPattern/ns/a'); // parked behind its run: dropped too
    let finished = false;
    const done = q.shutdown({ drain: false }).then(() => (finished = true));
    expect(q.len()).to.equal(0);
    await tick();
    expect(finished).to.equal(false);
    rec.hold.open();
    await done;
    expect(rec.runs).to.deep.equal(['PrismPattern/ns/a', 'PrismPattern/ns/b']);
    expect(q.processingCount()).to.equal(0);
  });

  it('keeps working after a handler throws and reports the error', async () => {
    const errors: [string, unknown][] = [];
    let failures = 1;
    const runs: string[] = [];
    const q = newQueue(
      async (key) => {
        runs.push(key);
        await tick();
        if (key.endsWith('/bad') && failures-- > 0) throw new Error('boom');
      },
      { onHandlerError: (key, err) => errors.push([key, err]) },
    );
    q.add('PrismPattern/ns/bad');
    q.add('PrismPattern/ns/good');
    await q.onIdle();
    q.add('PrismPattern/ns/bad');
    await q.onIdle();
    expect(runs).to.deep.equal(['PrismPattern/ns/bad', 'PrismPattern/ns/good', 'PrismPattern/ns/bad']);
    expect(errors).to.have.length(1);
    expect(errors[0]?.[0]).to.equal('PrismPattern/ns/bad');
    expect(q.processingCount()).to.equal(0);
  });

  it('survives a handler that throws synchronously', async () => {
    let calls = 0;
    const q = newQueue((key) => {
      calls++;
      if (key.endsWith('/sync')) throw new Error('sync boom');
      return Promise.resolve();
    });
    q.add('PrismPattern/ns/sync');
    q.add('PrismPattern/ns/ok');
    await q.onIdle();
    expect(calls).to.equal(2);
  });

  it('names the controller after the key kind, including cluster-scoped keys', () => {
    expect(controllerOfKey('PrismPattern/ns/a')).to.equal('prismpattern');
    expect(controllerOfKey('PrismNamespace//tenant')).to.equal('prismnamespace');
  });

  it('rejects a concurrency below one', () => {
    expect(() => new WorkQueue({ handler: () => Promise.resolve(), concurrency: 0 })).to.throw(RangeError);
  });

  describe('metrics', () => {
    async function value(registry: Registry, name: string, controller: string): Promise<number | undefined> {
      const metric = await registry.getSingleMetric(name)?.get();
      return metric?.values.find((v) => v.labels.controller === controller && v.labels.name === controller)
        ?.value;
    }

    it('exports every controller-runtime work queue metric', async () => {
      const registry = new Registry();
      const q = newQueue(() => Promise.resolve(), { metrics: new QueueMetrics(registry) });
      q.add('PrismPattern/ns/a');
      await q.onIdle();
      const text = await registry.metrics();
      for (const name of [
        'workqueue_depth',
        'workqueue_adds_total',
        'workqueue_queue_duration_seconds_bucket',
        'workqueue_work_duration_seconds_bucket',
        'workqueue_retries_total',
        'workqueue_unfinished_work_seconds',
        'workqueue_longest_running_processor_seconds',
      ]) {
        expect(text).to.contain(`${name}{`);
      }
      expect(text).to.contain('workqueue_depth{name="prismpattern",controller="prismpattern",priority=""} 0');
      expect(text).to.contain('workqueue_queue_duration_seconds_bucket{le="1e-8",');
      expect(text).to.contain('workqueue_work_duration_seconds_bucket{le="1000",');
    });

    it('counts adds and retries per controller, not deduplicated adds', async function () {
      this.timeout(2000);
      const registry = new Registry();
      const q = newQueue(() => tick().then(() => undefined), {
        metrics: new QueueMetrics(registry, { controllers: ['prismbackend'] }),
        rateLimiter: new ItemExponentialFailureRateLimiter<string>(1, 1),
      });
      q.add('PrismPattern/ns/a');
      q.add('PrismPattern/ns/b');
      q.add('PrismPattern/ns/b'); // deduplicated: not an add
      q.addAfter('PrismStack/ns/s', 5);
      q.addRateLimited('PrismStack/ns/s');
      await q.onIdle();
      expect(await value(registry, 'workqueue_adds_total', 'prismpattern')).to.equal(2);
      expect(await value(registry, 'workqueue_adds_total', 'prismstack')).to.equal(1);
      expect(await value(registry, 'workqueue_retries_total', 'prismstack')).to.equal(2);
      expect(await value(registry, 'workqueue_retries_total', 'prismpattern')).to.equal(0);
      expect(await value(registry, 'workqueue_adds_total', 'prismbackend')).to.equal(0);
      expect(await value(registry, 'workqueue_depth', 'prismpattern')).to.equal(0);
    });

    it('reports depth, unfinished work and the longest running processor while work is stuck', async () => {
      let now = 10_000;
      const registry = new Registry();
      const rec = new Recorder();
      rec.hold = gate();
      const q = newQueue(rec.handler, {
        concurrency: 2,
        now: () => now,
        metrics: new QueueMetrics(registry),
      });
      q.add('PrismPattern/ns/a');
      now += 1000;
      q.add('PrismPattern/ns/b');
      q.add('PrismPattern/ns/c');
      q.add('PrismPattern/ns/d');
      now += 2500;
      expect(await value(registry, 'workqueue_depth', 'prismpattern')).to.equal(2);
      expect(await value(registry, 'workqueue_unfinished_work_seconds', 'prismpattern')).to.equal(6);
      expect(await value(registry, 'workqueue_longest_running_processor_seconds', 'prismpattern')).to.equal(
        3.5,
      );
      rec.hold.open();
      await q.onIdle();
      expect(await value(registry, 'workqueue_unfinished_work_seconds', 'prismpattern')).to.equal(0);
      expect(await value(registry, 'workqueue_depth', 'prismpattern')).to.equal(0);
    });
  });
});
