// Fault test R4: a quarter of the operator's writes are answered 409, 429 or
// 500 by a loopback proxy in front of the API server. The reconciler retries
// with backoff and every pattern converges, with a bounded number of requests
// (no hot loop), and once faults stop it goes quiet.
import { expect } from 'chai';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { KubeClient } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { FaultProxy, INJECTED_CODES } from '../support/fault-proxy.js';
import { installKedaCrds } from '../support/keda.js';
import { counterSum, testManager } from '../support/manager.js';
import { convergence, createPatterns, isConverged, range } from '../support/pattern-load.js';
import { crdDir } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';

const PATTERNS = 20;

describe('API errors on writes (fault test R4)', function () {
  this.timeout(240_000);
  let ns: string;
  let proxy: FaultProxy;
  let mgr: Manager;

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    await installKedaCrds(kubectl);
    ns = await newNamespace('faults');
    const { controlPlane } = testEnv();
    proxy = await FaultProxy.start({ upstream: controlPlane.server, tls: controlPlane.tls, faultRate: 0.25 });
    mgr = await testManager(
      { queue: { qps: 100, burst: 1000, baseDelayMs: 50, maxDelayMs: 5_000 } },
      { kubeConfig: proxy.kubeConfig() },
    );
    setupPrismPattern(mgr);
    await mgr.start();
  });

  after(async () => {
    await mgr.stop();
    await proxy.stop();
    // Managers in later files watch every namespace: leave them nothing of ours to reconcile.
    await kubectl('delete', 'namespace', ns, '--timeout=180s');
  });

  it('retries 409, 429 and 500 answers with backoff until every pattern converges, then stops writing', async () => {
    // The patterns are created past the proxy: only the operator's writes fail.
    const direct = await KubeClient.create(testEnv().kubeConfig);
    await createPatterns(direct, ns, range(0, PATTERNS), 4);
    await eventually(async () => isConverged(await convergence(direct, ns, PATTERNS), PATTERNS), {
      timeoutMs: 180_000,
      intervalMs: 1000,
      what: `all ${PATTERNS} patterns to converge through the faulty proxy`,
    });
    const injected = proxy.writes((r) => r.injected !== undefined);
    for (const code of INJECTED_CODES) expect(injected.filter((r) => r.injected === code)).to.not.be.empty;
    expect(await counterSum(mgr, 'controller_runtime_reconcile_errors_total')).to.be.greaterThan(0);
    // 4 applies and a status patch per pattern, events, and the retries: far from a hot loop.
    const ours = proxy.writes(
      (r) => r.path.startsWith(`/api/v1/namespaces/${ns}`) || r.path.includes(`/namespaces/${ns}/`),
    );
    expect(ours.length).to.be.at.most(PATTERNS * 25);

    proxy.injecting = false;
    await sleep(12_000); // the event recorder's deferred series writes
    const quietFrom = proxy.log.length;
    await sleep(10_000);
    const quietWrites = proxy.writes().filter((r) => proxy.log.indexOf(r) >= quietFrom);
    expect(quietWrites.map((r) => `${r.method} ${r.path}`)).to.deep.equal([]);
    direct.close();
  });
});
