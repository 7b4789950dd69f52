import { expect } from 'chai';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { KubeClient } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import { setupStatusApi } from '../../src/statusapi/index.js';
import { launchBrowser, type Browser } from '../support/browser.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { testManager } from '../support/manager.js';
import { crdDir, repoRoot } from '../support/paths.js';

type Json = Record<string, any>;
const RESULTS = process.env.PRISM_TEST_RESULTS ?? join(repoRoot, '.test-results');

describe('the status page in a real browser', function () {
  this.timeout(180_000);
  let ns: string;
  let mgr: Manager;
  let admin: KubeClient;
  let browser: Browser;
  let page: Page;
  let base: string;
  const loaded: { url: string; bytes: number }[] = [];

  const createPattern = (name: string, spec: Json) =>
    admin.request({
      method: 'POST',
      path: `/apis/prism.io/v1alpha1/namespaces/${ns}/prismpatterns`,
      body: {
        apiVersion: 'prism.io/v1alpha1',
        kind: 'PrismPattern',
        metadata: { name },
        spec: { pattern: 'consumer', backend: 'kafka', image: 'registry.invalid/prism/consumer:1', ...spec },
      },
    });
  const row = (name: string) => page.locator(`tr[data-key="PrismPattern/${ns}/${name}"]`);

  before(async function () {
    this.timeout(20 * 60_000); // installs Chromium on a fresh machine
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    admin = await KubeClient.create(testEnv().kubeConfig);
    ns = await newNamespace('page');
    await createPattern('orders', { replicas: 1 });
    await createPattern('checkout', {
      autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 4, targetCPUUtilizationPercentage: 70 },
    });
    mgr = await testManager({ http: { host: '127.0.0.1', port: 0 } });
    setupPrismPattern(mgr);
    setupStatusApi(mgr, { heartbeatMs: 1000 });
    await mgr.start();
    base = `http://127.0.0.1:${mgr.httpAddress!.port}`;
    browser = await launchBrowser();
    page = await browser.context.newPage();
    page.on('response', (res) => {
      // The event stream never ends; everything else is a page asset.
      if (new URL(res.url()).pathname === '/api/v1/watch') loaded.push({ url: res.url(), bytes: 0 });
      else void res.body().then((b) => loaded.push({ url: res.url(), bytes: b.length }));
    });
    await page.goto(`${base}/`);
  });

  after(async () => {
    await browser.close();
    await mgr.stop();
    admin.close();
  });

  it('lists the namespace’s patterns with phase, conditions, scaler engine and triggers', async () => {
    await row('orders').locator('.replicas[data-desired="1"]').waitFor({ timeout: 60_000 });
    await row('checkout').locator('.trigger').waitFor({ timeout: 60_000 });
    expect(await page.locator('h2').allTextContents()).to.include(ns);
    expect(await row('orders').locator('.phase').textContent()).to.match(/Pending|Progressing|Running/);
    expect(await row('orders').locator('.cond').allTextContents()).to.include.members(['✘ Ready']);
    expect(await row('checkout').textContent()).to.include('hpa');
    expect(await row('checkout').locator('.trigger').textContent()).to.equal('cpu 70%');
    expect(await row('checkout').textContent()).to.include('min 1 · max 4');
  });

  it('follows a replica change live, in the numbers and in the chart', async () => {
    await row('orders').locator('.replicas[data-current="1"]').waitFor({ timeout: 60_000 });
    await admin.request({
      method: 'PATCH',
      path: `/apis/prism.io/v1alpha1/namespaces/${ns}/prismpatterns/orders`,
      body: { spec: { replicas: 3 } },
      contentType: 'application/merge-patch+json',
    });
    // The operator updates the Deployment; the deployment controller creates the pods; the stream carries both.
    await row('orders').locator('.replicas[data-desired="3"][data-current="3"]').waitFor({ timeout: 60_000 });
    await row('orders').locator('polyline.current[data-last="3"]').waitFor({ timeout: 10_000 });
    expect(await row('orders').locator('polyline.desired').getAttribute('data-last')).to.equal('3');
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'status-page.png'), fullPage: true });
  });

  it('loads everything from the operator itself, in a few kilobytes', () => {
    expect(loaded.length).to.be.greaterThan(0);
    expect(loaded.filter((r) => !r.url.startsWith(`${base}/`))).to.deep.equal([]);
    const bytes = loaded.reduce((sum, r) => sum + r.bytes, 0);
    console.log(`      page load: ${loaded.length - 1} assets, ${bytes} bytes (plus the event stream)`);
  });
});
