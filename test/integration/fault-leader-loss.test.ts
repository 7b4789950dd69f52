// Fault test R2: real operator processes (the CLI) with leader election on
// short leases. SIGKILL of the leader: a standby reconciles a new pattern
// within leaseDuration + renewDeadline. SIGTERM: the lease is released and a
// standby takes over at once. Each process talks through its own logging
// proxy, so the API server's view shows that no two of them ever wrote at the
// same time. (Elector and in-process manager hand-overs are covered by
// leader-election.test.ts and manager-leader.test.ts.)
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KubeClient } from '../../src/runtime/kube-client.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { FaultProxy, type ProxyRequest } from '../support/fault-proxy.js';
import { OperatorProcess } from '../support/operator-process.js';
import { patternsPath } from '../support/pattern-load.js';
import { crdDir } from '../support/paths.js';
import { eventually } from '../support/wait.js';

const LEASE = { durationMs: 6000, renewMs: 4000, retryMs: 1000 };
type Json = Record<string, any>;

interface Candidate {
  name: string;
  op: OperatorProcess;
  proxy: FaultProxy;
  /** When it was killed or stopped. */
  endedAt?: number;
}

describe('leader loss between operator processes (fault test R2)', function () {
  this.timeout(240_000);
  let ns: string;
  const candidates: Candidate[] = [];

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    ns = await newNamespace('leader');
  });

  after(async () => {
    for (const c of candidates) {
      await c.op.stop('SIGKILL');
      await c.proxy.stop();
    }
    // Managers in later files watch every namespace: leave them nothing of ours to reconcile.
    await kubectl('delete', 'namespace', ns, '--timeout=180s');
  });

  const cp = () => testEnv().controlPlane;
  const get = async (path: string): Promise<Json> => {
    const c = await KubeClient.create(testEnv().kubeConfig);
    try {
      return await c.request<Json>({ method: 'GET', path });
    } finally {
      c.close();
    }
  };
  const holder = async () =>
    (await get(`/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/prism-operator-leader`)).spec
      ?.holderIdentity;

  const start = async (name: string): Promise<Candidate> => {
    const proxy = await FaultProxy.start({ upstream: cp().server, tls: cp().tls, faultRate: 0 });
    const kubeconfigPath = join(cp().workDir, `kubeconfig-${ns}-${name}`);
    writeFileSync(kubeconfigPath, proxy.kubeConfig().exportConfig(), { mode: 0o600 });
    const op = await OperatorProcess.start({
      kubeconfigPath,
      args: [
        `--leader-election-namespace=${ns}`,
        // Only this test's objects: what other files left behind must not queue ahead of ours.
        `--watch-namespaces=${ns}`,
        `--pod-name=${name}`,
        `--lease-duration=${LEASE.durationMs}ms`,
        `--renew-deadline=${LEASE.renewMs}ms`,
        `--retry-period=${LEASE.retryMs}ms`,
      ],
    });
    const c = { name, op, proxy };
    candidates.push(c);
    return c;
  };

  const createPattern = async (name: string) => {
    const c = await KubeClient.create(testEnv().kubeConfig);
    await c.request({
      method: 'POST',
      path: patternsPath(ns),
      body: {
        apiVersion: 'prism.io/v1alpha1',
        kind: 'PrismPattern',
        metadata: { name },
        spec: { pattern: 'consumer', backend: 'kafka', image: 'registry.invalid/consumer:1' },
      },
    });
    c.close();
  };
  const reconciled = (name: string, timeoutMs = 60_000) =>
    eventually(
      async () => {
        const p = await get(`${patternsPath(ns)}/${name}`);
        return p.status?.observedGeneration === p.metadata.generation;
      },
      { timeoutMs, intervalMs: 100, what: `PrismPattern ${name} to be reconciled` },
    );
  /** Writes other than the Lease's: the ones two leaders must never make at once. */
  const work = (c: Candidate): ProxyRequest[] => c.proxy.writes((r) => !r.path.includes('/leases/'));

  it('fails over within leaseDuration + renewDeadline after SIGKILL, hands over at once on SIGTERM, and never has two writers', async () => {
    const a = await start('op-a');
    await eventually(async () => (await holder()) === 'op-a', { timeoutMs: 60_000, what: 'op-a to lead' });
    const b = await start('op-b');
    await b.op.ready();
    await createPattern('first');
    await reconciled('first');

    a.op.proc.kill('SIGKILL');
    a.endedAt = Date.now();
    await a.op.exited;
    await createPattern('second');
    await reconciled('second', LEASE.durationMs + LEASE.renewMs);
    expect(await holder()).to.equal('op-b');

    const c = await start('op-c');
    await c.op.ready();
    b.endedAt = Date.now();
    expect(await b.op.stop('SIGTERM')).to.equal(0);
    // Released on the way out: op-c need not wait for the lease to run out.
    await eventually(async () => (await holder()) === 'op-c', {
      timeoutMs: LEASE.durationMs - LEASE.retryMs,
      intervalMs: 100,
      what: 'op-c to take the released lease',
    });
    await createPattern('third');
    await reconciled('third');

    // One writer at a time: each process's work lies between its predecessor's end and its own.
    expect(work(a), 'op-a reconciled while it led').to.not.be.empty;
    expect(work(a).every((r) => r.at <= a.endedAt!)).to.equal(true);
    expect(work(b), 'op-b reconciled after the failover').to.not.be.empty;
    expect(work(b).every((r) => r.at > a.endedAt!)).to.equal(true, 'op-b wrote before op-a died');
    const bLast = Math.max(...work(b).map((r) => r.at));
    expect(work(c), 'op-c reconciled after the hand-over').to.not.be.empty;
    expect(work(c).every((r) => r.at > bLast)).to.equal(true, 'op-c wrote while op-b still did');
    expect([a, b, c].map((x) => x.op.exitCode)).to.deep.equal([-1, 0, undefined]);
  });
});
