import { expect } from 'chai';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { KubeClient, type Verb } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import { setupStatusApi } from '../../src/statusapi/index.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { bearer, httpGet, openSse, type SseStream } from '../support/http.js';
import { testManager } from '../support/manager.js';
import { crdDir } from '../support/paths.js';
import { eventually } from '../support/wait.js';

type Json = Record<string, any>;
const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const PRISM_KINDS = ['prismpatterns', 'prismstacks', 'prismbackends', 'prismnamespaces'];

describe('the status API bound beyond loopback', function () {
  this.timeout(120_000);
  let ns: string;
  let mgr: Manager;
  let admin: KubeClient;
  let base: string;
  let viewer: string; // may list every Prism kind in ns, and get /metrics
  let stranger: string; // authenticated, allowed nothing
  const requests: { method: Verb; path: string }[] = [];
  const streams: SseStream[] = [];

  const post = (path: string, body: Json) => admin.request<Json>({ method: 'POST', path, body });
  const tokenFor = async (sa: string) => {
    await post(`/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: sa } });
    const review = await post(`/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    return review.status.token as string;
  };
  const setReplicas = (replicas: number) =>
    admin.request({
      method: 'PATCH',
      path: `/apis/prism.io/v1alpha1/namespaces/${ns}/prismpatterns/orders`,
      body: { spec: { replicas } },
      contentType: 'application/merge-patch+json',
    });
  const watch = async (headers: Record<string, string>, query = `?namespace=${ns}`) => {
    const s = await openSse(`${base}/api/v1/watch${query}`, headers);
    streams.push(s);
    return s;
  };

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    admin = await KubeClient.create(testEnv().kubeConfig);
    ns = await newNamespace('status');
    [viewer, stranger] = await Promise.all([tokenFor('viewer'), tokenFor('stranger')]);
    const subject = [{ kind: 'ServiceAccount', name: 'viewer', namespace: ns }];
    await post(`${RBAC}/namespaces/${ns}/roles`, {
      metadata: { name: 'prism-viewer' },
      rules: [{ apiGroups: ['prism.io'], resources: PRISM_KINDS, verbs: ['list'] }],
    });
    await post(`${RBAC}/namespaces/${ns}/rolebindings`, {
      metadata: { name: 'prism-viewer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'prism-viewer' },
      subjects: subject,
    });
    await post(`${RBAC}/clusterroles`, {
      metadata: { name: `${ns}-metrics-reader` },
      rules: [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }],
    });
    await post(`${RBAC}/clusterrolebindings`, {
      metadata: { name: `${ns}-metrics-reader` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${ns}-metrics-reader` },
      subjects: subject,
    });
    await post(`/apis/prism.io/v1alpha1/namespaces/${ns}/prismpatterns`, {
      apiVersion: 'prism.io/v1alpha1',
      kind: 'PrismPattern',
      metadata: { name: 'orders' },
      spec: {
        pattern: 'consumer',
        backend: 'kafka',
        image: 'registry.invalid/prism/consumer:1',
        replicas: 1,
      },
    });
    mgr = await testManager(
      { http: { host: '0.0.0.0', port: 0 } },
      { observe: ({ method, path }) => requests.push({ method, path }) },
    );
    setupPrismPattern(mgr);
    setupStatusApi(mgr, { metricsAuth: true, heartbeatMs: 300, eventLogSize: 100 });
    await mgr.start();
    base = `http://127.0.0.1:${mgr.httpAddress!.port}`;
  });

  after(async () => {
    for (const s of streams) s.close();
    await mgr.stop();
    for (const kind of ['clusterrolebindings', 'clusterroles'])
      await admin.request({ method: 'DELETE', path: `${RBAC}/${kind}/${ns}-metrics-reader` });
    admin.close();
  });

  it('answers 401 and no data without a token, or with one the API server does not accept', async () => {
    for (const headers of [{}, bearer('not-a-token')]) {
      const res = await httpGet(`${base}/api/v1/patterns?namespace=${ns}`, headers);
      expect(res.code).to.equal(401);
      expect(res.text).not.to.include('orders');
    }
    expect((await httpGet(`${base}/api/v1/patterns/${ns}/orders`)).code).to.equal(401);
  });

  it('answers 403 and no data to a token without list on the kind in that namespace', async () => {
    const res = await httpGet(`${base}/api/v1/patterns?namespace=${ns}`, bearer(stranger));
    expect(res.code).to.equal(403);
    expect(res.text).not.to.include('"orders"');
    // The viewer may list in its namespace only, not across all namespaces.
    expect((await httpGet(`${base}/api/v1/patterns`, bearer(viewer))).code).to.equal(403);
    expect((await httpGet(`${base}/api/v1/watch?namespace=${ns}`, bearer(stranger))).code).to.equal(403);
  });

  it('serves a pattern’s spec summary, status, conditions and scaler state from the cache', async () => {
    const view = await eventually(
      async () => {
        const res = await httpGet(`${base}/api/v1/patterns/${ns}/orders`, bearer(viewer));
        return res.body?.observedGeneration === res.body?.generation ? res.body : undefined;
      },
      { timeoutMs: 60_000, what: 'the reconciled pattern in the status API' },
    );
    expect(view).to.deep.include({ kind: 'PrismPattern', namespace: ns, name: 'orders' });
    expect(view.spec).to.deep.include({ pattern: 'consumer', backend: 'kafka', replicas: 1 });
    expect(view.phase).to.be.a('string');
    expect(view.conditions.map((c: Json) => c.type)).to.include('Ready');
    expect(view.scaler).to.deep.include({ engine: 'none', desiredReplicas: 1, triggers: [] });
    const list = await httpGet(`${base}/api/v1/patterns?namespace=${ns}`, bearer(viewer));
    expect(list.body.items.map((v: Json) => v.name)).to.deep.equal(['orders']);
    for (const kind of ['stacks', 'backends', 'namespaces'])
      expect((await httpGet(`${base}/api/v1/${kind}?namespace=${ns}`, bearer(viewer))).body).to.deep.equal({
        items: [],
      });
    expect((await httpGet(`${base}/api/v1/patterns/${ns}/missing`, bearer(viewer))).code).to.equal(404);
  });

  it('makes no API server call for repeated requests: reads come from the cache, reviews are cached briefly', async () => {
    await httpGet(`${base}/api/v1/patterns?namespace=${ns}`, bearer(viewer));
    const before = requests.length;
    for (let i = 0; i < 5; i++) await httpGet(`${base}/api/v1/patterns?namespace=${ns}`, bearer(viewer));
    const during = requests.slice(before);
    expect(during.filter((r) => r.method === 'GET' || /reviews$/.test(r.path))).to.deep.equal([]);
  });

  it('streams a snapshot, then changes and replica moves of the Deployment, with heartbeats', async () => {
    const s = await watch(bearer(viewer));
    expect(s.code).to.equal(200);
    await eventually(() => s.events[0]?.event === 'snapshot', { what: 'the snapshot' });
    expect(s.events[0]!.data.objects.map((v: Json) => v.name)).to.deep.equal(['orders']);
    await setReplicas(3);
    await eventually(() => s.events.some((e) => e.event === 'modified' && e.data.spec.replicas === 3), {
      what: 'the modified pattern',
    });
    // The deployment controller creates the pods: status.replicas reaches 3 (they stay Pending, no nodes).
    await eventually(
      () => s.events.some((e) => e.event === 'replicas' && e.data.scaler.currentReplicas === 3),
      { timeoutMs: 60_000, what: 'a replicas event with 3 current replicas' },
    );
    await eventually(() => s.events.some((e) => e.event === 'heartbeat'), { what: 'a heartbeat' });
  });

  it('resumes from Last-Event-ID with only what was missed, and resyncs when the ID is unknown', async () => {
    const first = await watch(bearer(viewer));
    await eventually(() => first.events[0]?.event === 'snapshot', { what: 'the snapshot' });
    const lastId = first.events.filter((e) => e.id).at(-1)!.id!;
    first.close();
    await setReplicas(2);
    const resumed = await watch({ ...bearer(viewer), 'Last-Event-ID': lastId });
    await eventually(() => resumed.events.some((e) => e.event === 'modified' && e.data.spec.replicas === 2), {
      what: 'the missed change',
    });
    expect(resumed.events.some((e) => e.event === 'snapshot' || e.event === 'resync')).to.equal(false);
    const stale = await watch({ ...bearer(viewer), 'Last-Event-ID': 'deadbeef-1' });
    await eventually(() => stale.events[0]?.event === 'resync', { what: 'a resync' });
    expect(stale.events[0]!.data.objects.map((v: Json) => v.name)).to.deep.equal(['orders']);
  });

  it('protects /metrics with a token allowed to get the /metrics URL; probes stay open', async () => {
    expect((await httpGet(`${base}/metrics`)).code).to.equal(401);
    expect((await httpGet(`${base}/metrics`, bearer(stranger))).code).to.equal(403);
    const ok = await httpGet(`${base}/metrics`, bearer(viewer));
    expect(ok.code).to.equal(200);
    expect(ok.text).to.include('controller_runtime_reconcile_total');
    expect((await httpGet(`${base}/healthz`)).code).to.equal(200);
  });
});
