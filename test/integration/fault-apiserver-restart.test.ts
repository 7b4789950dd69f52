// Fault test R1: kube-apiserver is SIGKILLed while 200 patterns converge and
// restarted on the same port and etcd. Every pattern still converges, the
// manager keeps running (no leadership lost: the lease outlives the outage),
// and no key is ever reconciled by two workers at once. Runs on its own
// control plane so the shared one is never killed under other test files.
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { ControlPlane } from '../../src/controlplane/launcher.js';
import type { Manager, ReconcileContext } from '../../src/runtime/manager.js';
import { installKedaCrds } from '../support/keda.js';
import { testManager } from '../support/manager.js';
import { convergence, createPatterns, isConverged, range } from '../support/pattern-load.js';
import { binDir, crdDir } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';

const run = promisify(execFile);
const PATTERNS = 200;

/** Wraps a reconciler to record the most reconciles ever in flight for one key. */
function countConcurrency(target: { reconcile: (ctx: ReconcileContext) => Promise<unknown> }) {
  const inFlight = new Map<string, number>();
  const seen = { maxPerKey: 0, runs: 0 };
  const inner = target.reconcile.bind(target);
  target.reconcile = async (ctx: ReconcileContext) => {
    const n = (inFlight.get(ctx.key) ?? 0) + 1;
    inFlight.set(ctx.key, n);
    seen.maxPerKey = Math.max(seen.maxPerKey, n);
    seen.runs++;
    try {
      return await inner(ctx);
    } finally {
      inFlight.set(ctx.key, n - 1);
    }
  };
  return seen;
}

describe('kube-apiserver restart during convergence (fault test R1)', function () {
  this.timeout(420_000);
  let cp: ControlPlane;
  let mgr: Manager | undefined;

  before(async function () {
    this.timeout(240_000);
    cp = await ControlPlane.start({ binDir });
    const kubectl = async (...args: string[]) =>
      (await run(join(binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, ...args])).stdout;
    await kubectl('apply', '--server-side', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    // On a fresh API server `kubectl wait` can see a CRD before it has any status and fail at once.
    await eventually(() => installKedaCrds(kubectl).then(() => true), {
      timeoutMs: 120_000,
      what: "KEDA's CRDs",
    });
    await kubectl('create', 'namespace', 'restart');
  });

  after(async function () {
    this.timeout(60_000);
    await mgr?.stop();
    await cp.stop();
  });

  it('converges every pattern after a SIGKILL and restart, without losing leadership or reconciling a key twice at once', async () => {
    const kubeConfig = new k8s.KubeConfig();
    kubeConfig.loadFromFile(cp.kubeconfigPath);
    let leadershipLost = false;
    mgr = await testManager(
      {
        // A lease that outlives a restart (the API server takes ~10 s to come back here).
        leaderElection: {
          enabled: true,
          namespace: 'default',
          name: 'prism-operator-r1',
          leaseDurationMs: 90_000,
          renewDeadlineMs: 60_000,
          retryPeriodMs: 5_000,
        },
      },
      { kubeConfig, onLeadershipLost: () => (leadershipLost = true) },
    );
    const seen = countConcurrency(setupPrismPattern(mgr));
    await mgr.start();

    await createPatterns(mgr.client, 'restart', range(0, PATTERNS), 16);
    const atKill = await convergence(mgr.client, 'restart', PATTERNS, false);
    await cp.killApiServer();
    expect(cp.apiServerRunning).to.equal(false);
    await sleep(5000);
    await cp.restartApiServer(120_000);

    await eventually(async () => isConverged(await convergence(mgr!.client, 'restart', PATTERNS), PATTERNS), {
      timeoutMs: 240_000,
      intervalMs: 2000,
      what: `all ${PATTERNS} patterns to converge after the restart`,
    });
    expect(atKill.observed, 'the kill came before convergence').to.be.lessThan(PATTERNS);
    expect(leadershipLost).to.equal(false);
    expect(seen.maxPerKey).to.equal(1);
    expect(seen.runs).to.be.at.least(PATTERNS);
  });
});
