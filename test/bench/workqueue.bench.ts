// Throughput of the work queue with a no-op reconcile: npx tsx test/bench/workqueue.bench.ts
// Adds arrive in batches with an event-loop turn between them, as watch events would, so some keys are
// deduplicated while waiting and some are re-queued behind their own run.
import { setImmediate as tick } from 'node:timers/promises';
import { WorkQueue } from '../../src/runtime/workqueue.js';

interface Scenario {
  adds: number;
  keys: number;
  concurrency: number;
  batch: number;
}

/** Deterministic PRNG (mulberry32) so every run sees the same key sequence. */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function run({ adds, keys, concurrency, batch }: Scenario): Promise<void> {
  const names = Array.from({ length: keys }, (_, i) => `PrismPattern/bench/p${i}`);
  const random = prng(42);
  let reconciles = 0;
  const queue = new WorkQueue({
    handler: () => {
      reconciles++;
      return Promise.resolve();
    },
    concurrency,
  });
  const start = process.hrtime.bigint();
  for (let sent = 0; sent < adds; sent += batch) {
    for (let i = 0; i < batch && sent + i < adds; i++) queue.add(names[Math.floor(random() * keys)]!);
    await tick();
  }
  await queue.onIdle();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  await queue.shutdown();
  console.log(
    [
      `adds=${adds} keys=${keys} batch=${batch} concurrency=${concurrency}`,
      `reconciles=${reconciles}`,
      `wall=${(seconds * 1000).toFixed(0)}ms`,
      `reconciles/s=${Math.round(reconciles / seconds)}`,
      `dedup=${((1 - reconciles / adds) * 100).toFixed(1)}%`,
    ].join('  '),
  );
}

const scenarios: Scenario[] = [
  { adds: 100_000, keys: 10_000, concurrency: 1, batch: 1000 },
  { adds: 100_000, keys: 10_000, concurrency: 4, batch: 1000 },
  { adds: 100_000, keys: 10_000, concurrency: 1, batch: 100_000 },
  { adds: 100_000, keys: 100_000, concurrency: 4, batch: 100 },
];
// A warm-up pass keeps JIT compilation out of the first figures.
await run({ adds: 20_000, keys: 2_000, concurrency: 1, batch: 1000 }).then(() => console.log('(warm-up)'));
for (const s of scenarios) await run(s);
