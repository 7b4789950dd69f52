import { expect } from 'chai';
import { KubeClient, type KubeRequest } from '../../src/runtime/kube-client.js';
import { JITTER_FACTOR, LeaderElector, type Lease } from '../../src/runtime/leader-election.js';
import { newNamespace, testEnv } from '../support/env.js';
import { eventually, sleep } from '../support/wait.js';

// Short timings so the suite runs in seconds; the same ratios as the defaults' constraints.
const LEASE_MS = 3_000;
const RENEW_MS = 2_000;
const RETRY_MS = 500;
/** The longest a candidate waits between attempts: retryPeriod × (1 + jitter). */
const MAX_RETRY_WAIT_MS = RETRY_MS * (1 + JITTER_FACTOR);
const MICROTIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

interface Candidate {
  elector: LeaderElector;
  identity: string;
  client: KubeClient;
  /** The signal handed to onStartedLeading, once leading started. */
  signal?: AbortSignal;
  started: number;
  stopped: { lost: boolean }[];
  /** onNewLeader and onLeaderChange calls, in order. */
  leaders: string[];
  changes: boolean[];
  done: Promise<void>;
}

/** Requests to the API server hang while `partitioned` is set, as behind a network black hole. */
class PartitionableClient {
  partitioned = false;
  constructor(private readonly inner: KubeClient) {}
  request<T>(req: KubeRequest): Promise<T> {
    if (!this.partitioned) return this.inner.request<T>(req);
    return new Promise<T>((_, reject) => {
      const fail = () =>
        reject(req.signal?.reason instanceof Error ? req.signal.reason : new Error('aborted'));
      if (req.signal?.aborted) fail();
      req.signal?.addEventListener('abort', fail, { once: true });
    });
  }
}

describe('leader election on a Lease', function () {
  this.timeout(20_000);
  let ns: string;
  let candidates: Candidate[] = [];
  /** Cleared in afterEach too, so a failed assertion leaves no timer behind. */
  let samplers: NodeJS.Timeout[] = [];

  before(async () => {
    ns = await newNamespace('leader');
  });

  afterEach(async () => {
    for (const timer of samplers) clearInterval(timer);
    samplers = [];
    await Promise.all(candidates.map((c) => c.elector.abandon()));
    for (const c of candidates) c.client.close();
    candidates = [];
  });

  async function candidate(
    identity: string,
    lease: string,
    wrap?: (client: KubeClient) => PartitionableClient,
  ): Promise<Candidate> {
    // One client each: separate processes would not share connections.
    const client = await KubeClient.create(testEnv().kubeConfig, { userAgent: `le-test/${identity}` });
    const c = { identity, client, started: 0, stopped: [], leaders: [], changes: [] } as unknown as Candidate;
    c.elector = new LeaderElector({
      client: wrap ? wrap(client) : client,
      namespace: ns,
      name: lease,
      identity,
      leaseDurationMs: LEASE_MS,
      renewDeadlineMs: RENEW_MS,
      retryPeriodMs: RETRY_MS,
      onStartedLeading: (signal) => {
        c.started++;
        c.signal = signal;
      },
      onStoppedLeading: (info) => c.stopped.push(info),
      onNewLeader: (holder) => c.leaders.push(holder),
      onLeaderChange: (leading) => c.changes.push(leading),
    });
    c.done = c.elector.run();
    candidates.push(c);
    return c;
  }

  /** Samples both candidates every few ms; `violations` counts samples where both claimed to lead. */
  function sampleBoth(a: Candidate, b: Candidate) {
    const stats = { samples: 0, violations: 0, leaderless: 0 };
    const timer = setInterval(() => {
      const la = a.elector.isLeader();
      const lb = b.elector.isLeader();
      stats.samples++;
      if (la && lb) stats.violations++;
      if (!la && !lb) stats.leaderless++;
    }, 5);
    samplers.push(timer);
    return { stats, stop: () => clearInterval(timer) };
  }

  async function readLease(name: string): Promise<Lease> {
    return candidates[0]!.client.request<Lease>({
      method: 'GET',
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/${name}`,
    });
  }

  const leads = (c: Candidate, what = `${c.identity} to lead`) =>
    eventually(() => c.elector.isLeader(), { timeoutMs: 5_000, intervalMs: 10, what });
  const observes = (c: Candidate, holder: string) =>
    eventually(() => c.elector.observedLeader() === holder, {
      timeoutMs: 5_000,
      intervalMs: 10,
      what: `${c.identity} to observe ${holder}`,
    });

  it('lets exactly one of two candidates lead at any time, through a handover', async () => {
    const a = await candidate('a', 'one-leader');
    const b = await candidate('b', 'one-leader');
    const sampler = sampleBoth(a, b);
    await eventually(() => a.elector.isLeader() || b.elector.isLeader(), {
      timeoutMs: 5_000,
      intervalMs: 10,
      what: 'a leader',
    });
    const [leader, standby] = a.elector.isLeader() ? [a, b] : [b, a];
    // Longer than a lease: the standby must not take over while the leader renews.
    await sleep(LEASE_MS + 500);
    expect(leader.elector.isLeader()).to.equal(true);
    expect(standby.elector.isLeader()).to.equal(false);
    await leader.elector.stop();
    await leads(standby);
    await sleep(1_000);
    sampler.stop();
    const { samples, violations } = sampler.stats;
    process.stdout.write(`      sampled ${samples} times, both leading ${violations} times\n`);
    expect(samples).to.be.greaterThan(200);
    expect(violations).to.equal(0);
    expect(standby.elector.isLeader()).to.equal(true);
    expect(leader.elector.isLeader()).to.equal(false);
    expect(leader.started).to.equal(1);
    expect(standby.started).to.equal(1);
  });

  it('hands over within leaseDuration + retry when the leader dies without releasing the lease', async () => {
    const a = await candidate('a', 'crash');
    await leads(a);
    const b = await candidate('b', 'crash');
    await observes(b, 'a');
    const sampler = sampleBoth(a, b);
    await sleep(700); // a renews a few times while b watches
    const killedAt = performance.now();
    await a.elector.abandon();
    await eventually(() => b.elector.isLeader(), {
      timeoutMs: LEASE_MS + 3_000,
      intervalMs: 5,
      what: 'b to take over',
    });
    const failoverMs = performance.now() - killedAt;
    sampler.stop();
    process.stdout.write(
      `      failover after a crash: ${Math.round(failoverMs)} ms (lease ${LEASE_MS} ms)\n`,
    );
    // Never before a's last renewal could have expired; at most one observation lag (a retry wait) late.
    expect(failoverMs).to.be.greaterThan(LEASE_MS - RETRY_MS - 100);
    expect(failoverMs).to.be.lessThan(LEASE_MS + MAX_RETRY_WAIT_MS + 500);
    expect(sampler.stats.violations).to.equal(0);
    const lease = await readLease('crash');
    expect(lease.spec?.holderIdentity).to.equal('b');
    expect(lease.spec?.leaseTransitions).to.equal(1);
  });

  it('hands over at once when the leader stops gracefully and releases the lease', async () => {
    const a = await candidate('a', 'graceful');
    await leads(a);
    const b = await candidate('b', 'graceful');
    await observes(b, 'a');
    const sampler = sampleBoth(a, b);
    const stoppedAt = performance.now();
    await a.elector.stop();
    expect(a.signal?.aborted).to.equal(true);
    expect(a.stopped).to.deep.equal([{ lost: false }]);
    await eventually(() => b.elector.isLeader(), {
      timeoutMs: LEASE_MS,
      intervalMs: 5,
      what: 'b to take over',
    });
    const handoverMs = performance.now() - stoppedAt;
    sampler.stop();
    process.stdout.write(
      `      handover after a graceful stop: ${Math.round(handoverMs)} ms (lease ${LEASE_MS} ms)\n`,
    );
    // The next retry of the standby, not the lease expiry.
    expect(handoverMs).to.be.lessThan(MAX_RETRY_WAIT_MS + 500);
    expect(sampler.stats.violations).to.equal(0);
    await a.done;
    expect(a.changes).to.deep.equal([true, false]);
    expect(b.changes).to.deep.equal([true]);
    expect(b.leaders).to.deep.equal(['a', 'b']);
  });

  it("aborts the leader's signal as soon as another holder overwrites the Lease", async () => {
    const a = await candidate('a', 'overwritten');
    await leads(a);
    const lease = await readLease('overwritten');
    const writtenAt = performance.now();
    await a.client.request({
      method: 'PUT',
      path: `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/overwritten`,
      body: { ...lease, spec: { ...lease.spec, holderIdentity: 'intruder', leaseTransitions: 7 } },
    });
    await eventually(() => a.signal?.aborted, {
      timeoutMs: RENEW_MS + 1_000,
      intervalMs: 5,
      what: 'the abort',
    });
    const detectedMs = performance.now() - writtenAt;
    process.stdout.write(`      noticed the new holder after ${Math.round(detectedMs)} ms\n`);
    expect(detectedMs).to.be.lessThan(RETRY_MS + 500);
    expect(a.elector.isLeader()).to.equal(false);
    expect(a.stopped).to.deep.equal([{ lost: true }]);
    expect(String(a.signal?.reason)).to.match(/leader election lost/);
    await a.done;
    // It neither fought back nor released the intruder's lease.
    const after = await readLease('overwritten');
    expect(after.spec?.holderIdentity).to.equal('intruder');
    expect(after.spec?.leaseTransitions).to.equal(7);
  });

  it("aborts the leader's signal when the API server is unreachable for longer than renewDeadline", async () => {
    let partition: PartitionableClient | undefined;
    const a = await candidate('a', 'partitioned', (client) => (partition = new PartitionableClient(client)));
    await leads(a);
    await sleep(600);
    const cutAt = performance.now();
    partition!.partitioned = true;
    await eventually(() => a.signal?.aborted, {
      timeoutMs: RENEW_MS + 2_000,
      intervalMs: 5,
      what: 'the abort',
    });
    const lostMs = performance.now() - cutAt;
    process.stdout.write(`      gave up leading ${Math.round(lostMs)} ms after the API became unreachable\n`);
    // The deadline counts from the last successful renewal, at most one retryPeriod before the cut;
    // either way the leader stops before the lease (3 s) can expire for anyone else.
    expect(lostMs).to.be.greaterThan(RENEW_MS - RETRY_MS - 100);
    expect(lostMs).to.be.lessThan(RENEW_MS + 300);
    expect(a.elector.isLeader()).to.equal(false);
    expect(a.stopped).to.deep.equal([{ lost: true }]);
    await a.done;
  });

  it('writes MicroTime acquireTime/renewTime and counts leaseTransitions when the holder changes', async () => {
    const a = await candidate('a', 'fields');
    await leads(a);
    const first = await readLease('fields');
    expect(first.spec).to.include({ holderIdentity: 'a', leaseDurationSeconds: 3, leaseTransitions: 0 });
    expect(first.spec?.acquireTime).to.match(MICROTIME);
    expect(first.spec?.renewTime).to.match(MICROTIME);

    // Renewals move renewTime only.
    const renewed = await eventually(
      async () => {
        const l = await readLease('fields');
        return l.spec?.renewTime !== first.spec?.renewTime && l;
      },
      { timeoutMs: 3_000, intervalMs: 100, what: 'a renewal' },
    );
    expect(renewed.spec).to.include({
      holderIdentity: 'a',
      leaseTransitions: 0,
      acquireTime: first.spec?.acquireTime,
    });
    expect(Date.parse(renewed.spec!.renewTime!)).to.be.greaterThan(Date.parse(first.spec!.renewTime!));

    // A graceful stop releases: empty holder, 1 s duration.
    await a.elector.stop();
    const released = await readLease('fields');
    expect(released.spec).to.include({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 0 });
    expect(released.spec?.renewTime).to.match(MICROTIME);

    const b = await candidate('b', 'fields');
    await leads(b);
    const taken = await readLease('fields');
    expect(taken.spec).to.include({ holderIdentity: 'b', leaseDurationSeconds: 3, leaseTransitions: 1 });
    expect(taken.spec?.acquireTime).to.match(MICROTIME);
    expect(Date.parse(taken.spec!.acquireTime!)).to.be.greaterThan(Date.parse(first.spec!.acquireTime!));
  });

  it('refuses timings that break leaseDuration > renewDeadline > 1.2 × retryPeriod', () => {
    const base = {
      client: candidates[0]?.client ?? ({} as KubeClient),
      namespace: 'x',
      name: 'x',
      identity: 'x',
      onStartedLeading: () => undefined,
      onStoppedLeading: () => undefined,
    };
    const make = (leaseDurationMs: number, renewDeadlineMs: number, retryPeriodMs: number) => () =>
      new LeaderElector({ ...base, leaseDurationMs, renewDeadlineMs, retryPeriodMs });
    expect(make(10_000, 10_000, 2_000)).to.throw(/leaseDurationMs/);
    expect(make(15_000, 2_400, 2_000)).to.throw(/renewDeadlineMs/);
    expect(make(15_000, 10_000, 0)).to.throw(/retryPeriodMs/);
    expect(() => new LeaderElector({ ...base, identity: '' })).to.throw(/identity/);
    expect(make(15_000, 10_000, 2_000)).not.to.throw();
  });
});
