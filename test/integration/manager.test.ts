import { expect } from 'chai';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Obj } from '../../src/runtime/apply.js';
import { CONTENT_TYPE } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { testManager, writeRequests, counterSum } from '../support/manager.js';
import { repoRoot } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';
import { WidgetReconciler } from '../support/widget-reconciler.js';

async function httpGet(port: number, path: string): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the controller manager', function () {
  this.timeout(60_000);
  let ns: string;
  let mgr: Manager;
  let widgets: WidgetReconciler;

  const widgetPath = (name: string) => `/apis/test.prism.io/v1/namespaces/${ns}/widgets/${name}`;
  const createWidget = (name: string, spec: Record<string, unknown>) =>
    mgr.client.request({
      method: 'POST',
      path: `/apis/test.prism.io/v1/namespaces/${ns}/widgets`,
      body: { apiVersion: 'test.prism.io/v1', kind: 'Widget', metadata: { name }, spec },
    });
  const patchWidget = (name: string, spec: Record<string, unknown>) =>
    mgr.client.request({
      method: 'PATCH',
      path: widgetPath(name),
      body: { spec },
      contentType: CONTENT_TYPE.mergePatch,
    });
  const getConfigMap = (name: string) => testEnv().core.readNamespacedConfigMap({ name, namespace: ns });

  before(async () => {
    await kubectl('apply', '--server-side', '-f', join(repoRoot, 'test/support/crds/widgets.yaml'));
    await kubectl('wait', '--for=condition=Established', 'crd/widgets.test.prism.io', '--timeout=30s');
    ns = await newNamespace('mgr');
    mgr = await testManager({ http: { host: '127.0.0.1', port: 0 } });
    widgets = WidgetReconciler.watch(mgr, ns);
    await mgr.start();
  });

  after(async () => {
    await mgr.stop();
  });

  it('reconciles a Widget into a ConfigMap it owns, with a Ready condition and an event', async () => {
    await createWidget('alpha', { data: { colour: 'blue' } });
    const cm = await eventually(() => getConfigMap('alpha-data'), { what: 'ConfigMap alpha-data' });
    expect(cm.data).to.deep.equal({ colour: 'blue' });
    expect(cm.metadata?.labels?.['app.kubernetes.io/managed-by']).to.equal('prism-operator');
    const owner = cm.metadata?.ownerReferences?.[0];
    expect(owner).to.include({ kind: 'Widget', name: 'alpha', controller: true });
    expect(
      cm.metadata?.managedFields?.some((m) => m.manager === 'prism-operator' && m.operation === 'Apply'),
    ).to.equal(true);
    const widget = await eventually(
      async () => {
        const w = await mgr.client.request<
          Obj & { status?: { observedGeneration?: number; conditions?: { type: string; status: string }[] } }
        >({
          method: 'GET',
          path: widgetPath('alpha'),
        });
        return w.status?.observedGeneration === 1 ? w : undefined;
      },
      { what: 'Widget status' },
    );
    expect(widget.status?.conditions?.find((c) => c.type === 'Ready')?.status).to.equal('True');
    const events = await eventually(
      async () => {
        const list = await mgr.client.request<{ items: { reason: string; regarding: { name: string } }[] }>({
          method: 'GET',
          path: `/apis/events.k8s.io/v1/namespaces/${ns}/events`,
        });
        return list.items.length ? list.items : undefined;
      },
      { what: 'an event' },
    );
    expect(events[0]).to.deep.include({ reason: 'ConfigMapApplied' });
  });

  it('applies a spec change to the child and removes data keys that were dropped', async () => {
    await createWidget('beta', { data: { a: '1', b: '2' } });
    await eventually(async () => (await getConfigMap('beta-data')).data?.b === '2', { what: 'beta-data' });
    await patchWidget('beta', { data: { a: '1', b: null, c: '3' } });
    await eventually(
      async () => {
        const d = (await getConfigMap('beta-data')).data;
        return d?.c === '3' && d.b === undefined;
      },
      { what: 'beta-data to drop b and gain c' },
    );
  });

  it('restores a child that someone edits or deletes', async () => {
    await createWidget('gamma', { data: { k: 'v' } });
    await eventually(() => getConfigMap('gamma-data'), { what: 'gamma-data' });
    await kubectl(
      '-n',
      ns,
      'patch',
      'configmap',
      'gamma-data',
      '--type=merge',
      '-p',
      '{"data":{"k":"tampered"}}',
    );
    await eventually(async () => (await getConfigMap('gamma-data')).data?.k === 'v', {
      what: 'the edit to be reverted',
    });
    await testEnv().core.deleteNamespacedConfigMap({ name: 'gamma-data', namespace: ns });
    await eventually(
      async () => {
        const cm = await getConfigMap('gamma-data');
        return cm.data?.k === 'v';
      },
      { what: 'the ConfigMap to be recreated' },
    );
  });

  it('makes zero write requests when every object is reconciled again with nothing changed', async () => {
    await createWidget('delta', { data: { x: 'y' } });
    await eventually(async () => {
      const w = await mgr.client.request<{ status?: { observedGeneration?: number } }>({
        method: 'GET',
        path: widgetPath('delta'),
      });
      return w.status?.observedGeneration === 1;
    });
    await sleep(500); // let the watch deliver our own writes to the caches
    await mgr.queue.onIdle();
    const before = await writeRequests(mgr);
    const requestsBefore = await counterSum(mgr, 'rest_client_requests_total');
    const runsBefore = widgets.runs;
    mgr.resyncAll();
    await sleep(100);
    await mgr.queue.onIdle();
    expect(widgets.runs - runsBefore).to.be.greaterThanOrEqual(4, 'every widget was reconciled again');
    expect((await writeRequests(mgr)) - before).to.equal(0, 'write requests');
    // Reconcilers read from the informer caches, so not even a GET is made.
    expect((await counterSum(mgr, 'rest_client_requests_total')) - requestsBefore).to.equal(
      0,
      'requests of any kind',
    );
  });

  it('retries a failing reconcile with backoff, counts the errors, and recovers when fixed', async () => {
    await createWidget('broken', { fail: true, data: { a: 'b' } });
    await eventually(async () => (await counterSum(mgr, 'controller_runtime_reconcile_errors_total')) >= 3, {
      what: 'three failed attempts',
    });
    const runsAt = widgets.runs;
    await sleep(1000);
    // 5 ms doubling: after a few failures the delays are already tens-to-hundreds of ms, so a
    // second holds a handful of attempts, not a hot loop.
    expect(widgets.runs - runsAt).to.be.lessThan(15);
    await patchWidget('broken', { fail: false });
    await eventually(() => getConfigMap('broken-data'), { what: 'the fixed widget to reconcile' });
  });

  it('never reconciles the same key twice at once under a burst of updates', async () => {
    await createWidget('busy', { data: { n: '0' } });
    // Concurrent patches land in any order; a final one after them is the one to wait for.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => patchWidget('busy', { data: { n: String(i + 1) } })),
    );
    await patchWidget('busy', { data: { n: 'final' } });
    await eventually(async () => (await getConfigMap('busy-data')).data?.n === 'final', {
      what: 'the last update',
    });
    expect(widgets.maxInFlightPerKey).to.equal(1);
  });

  it('serves /healthz, /readyz and /metrics with controller-runtime metric names', async () => {
    const port = mgr.httpAddress!.port;
    expect(await httpGet(port, '/healthz')).to.deep.include({ code: 200 });
    expect(await httpGet(port, '/readyz')).to.deep.include({ code: 200 });
    const metrics = (await httpGet(port, '/metrics')).body;
    for (const name of [
      'controller_runtime_reconcile_total{controller="widget",result="success"}',
      'controller_runtime_reconcile_errors_total{controller="widget"}',
      'controller_runtime_reconcile_time_seconds_bucket',
      'workqueue_depth',
      'workqueue_adds_total',
      'rest_client_requests_total',
      'process_resident_memory_bytes',
    ]) {
      expect(metrics, name).to.include(name);
    }
  });
});
