import { expect } from 'chai';
import { join } from 'node:path';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { testManager } from '../support/manager.js';
import { repoRoot } from '../support/paths.js';
import { eventually } from '../support/wait.js';
import { WidgetReconciler } from '../support/widget-reconciler.js';

const LEASE = { leaseDurationMs: 3000, renewDeadlineMs: 2000, retryPeriodMs: 500 };

describe('managers sharing one Lease', function () {
  this.timeout(60_000);
  let ns: string;
  const running: Manager[] = [];

  async function candidate(): Promise<{ mgr: Manager; widgets: WidgetReconciler }> {
    const mgr = await testManager({
      leaderElection: { enabled: true, namespace: ns, name: 'prism-operator-leader', ...LEASE },
    });
    const widgets = WidgetReconciler.watch(mgr, ns);
    await mgr.start();
    running.push(mgr);
    return { mgr, widgets };
  }

  async function create(mgr: Manager, name: string): Promise<void> {
    await mgr.client.request({
      method: 'POST',
      path: `/apis/test.prism.io/v1/namespaces/${ns}/widgets`,
      body: {
        apiVersion: 'test.prism.io/v1',
        kind: 'Widget',
        metadata: { name },
        spec: { data: { v: name } },
      },
    });
  }

  const configMapExists = async (name: string) => {
    try {
      await testEnv().core.readNamespacedConfigMap({ name: `${name}-data`, namespace: ns });
      return true;
    } catch {
      return false;
    }
  };

  before(async () => {
    await kubectl('apply', '--server-side', '-f', join(repoRoot, 'test/support/crds/widgets.yaml'));
    await kubectl('wait', '--for=condition=Established', 'crd/widgets.test.prism.io', '--timeout=30s');
    ns = await newNamespace('lease');
  });

  after(async () => {
    await Promise.all(running.map((m) => m.stop()));
  });

  it('lets only the leader reconcile, and hands over when the leader dies or stops', async () => {
    const a = await candidate();
    const b = await candidate();
    await eventually(() => a.mgr.isLeader() !== b.mgr.isLeader(), { what: 'exactly one leader' });
    const [leader, standby] = a.mgr.isLeader() ? [a, b] : [b, a];

    await create(leader.mgr, 'first');
    await eventually(() => configMapExists('first'), { what: 'the leader to reconcile' });
    expect(standby.widgets.runs).to.equal(0, 'the standby never reconciles');
    expect(standby.mgr.cache('widgets').get(ns, 'first'), 'the standby keeps its cache warm').to.not.equal(
      undefined,
    );

    // Crash: no lease release. The standby must take over within leaseDuration + renewDeadline.
    await leader.mgr.abandon();
    const killedAt = Date.now();
    await create(standby.mgr, 'second');
    await eventually(() => configMapExists('second'), {
      what: 'the standby to take over',
      timeoutMs: 15_000,
    });
    const failoverMs = Date.now() - killedAt;
    console.log(`      failover after a crash: ${failoverMs} ms (lease ${LEASE.leaseDurationMs} ms)`);
    expect(failoverMs).to.be.lessThan(LEASE.leaseDurationMs + LEASE.renewDeadlineMs + 1000);
    expect(standby.mgr.isLeader()).to.equal(true);

    // Graceful stop releases the lease: a new standby takes over well before the lease would expire.
    const c = await candidate();
    expect(c.mgr.isLeader()).to.equal(false);
    const stoppedAt = Date.now();
    await standby.mgr.stop();
    await eventually(() => c.mgr.isLeader(), {
      what: 'the new standby to lead',
      timeoutMs: 10_000,
      intervalMs: 50,
    });
    const handoverMs = Date.now() - stoppedAt;
    console.log(`      hand-over after a graceful stop: ${handoverMs} ms`);
    expect(handoverMs).to.be.lessThan(LEASE.leaseDurationMs);
    await create(c.mgr, 'third');
    await eventually(() => configMapExists('third'), { what: 'the new leader to reconcile' });
  });
});
