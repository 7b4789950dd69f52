import { expect } from 'chai';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { KubeClient, isNotFound, type Verb } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import { setupStatusApi } from '../../src/statusapi/index.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { httpGet } from '../support/http.js';
import { testManager } from '../support/manager.js';
import { crdDir } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';

type Json = Record<string, any>;

// Cluster-scoped kinds the operator may list or create in namespace scope (see src/rbac/namespaced.ts).
const CLUSTER_SCOPED = new Set(['customresourcedefinitions', 'tokenreviews', 'subjectaccessreviews']);

/** A request to a collection outside any namespace (/api/v1/<plural> or /apis/<group>/<version>/<plural>). */
function clusterWidePlural(path: string): string | undefined {
  return /^\/api\/v1\/([a-z]+)$/.exec(path)?.[1] ?? /^\/apis\/[^/]+\/[^/]+\/([a-z]+)$/.exec(path)?.[1];
}

describe('the operator scoped to WATCH_NAMESPACES', function () {
  this.timeout(120_000);
  let inside: string;
  let outside: string;
  let home: string;
  let mgr: Manager;
  let admin: KubeClient;
  const requests: { method: Verb; path: string }[] = [];

  const pattern = (ns: string, name: string) =>
    `/apis/prism.io/v1alpha1/namespaces/${ns}/prismpatterns/${name}`;
  const createPattern = (ns: string, name: string) =>
    admin.request({
      method: 'POST',
      path: `/apis/prism.io/v1alpha1/namespaces/${ns}/prismpatterns`,
      body: {
        apiVersion: 'prism.io/v1alpha1',
        kind: 'PrismPattern',
        metadata: { name },
        spec: {
          pattern: 'consumer',
          backend: 'kafka',
          image: 'registry.invalid/prism/consumer:1',
          replicas: 1,
        },
      },
    });
  const exists = async (path: string) => {
    try {
      await admin.request({ method: 'GET', path });
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  };

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    admin = await KubeClient.create(testEnv().kubeConfig);
    [inside, outside, home] = await Promise.all([
      newNamespace('scope-in'),
      newNamespace('scope-out'),
      newNamespace('scope-home'),
    ]);
    // Both exist before the operator starts, so a cluster-wide list would see both.
    await Promise.all([createPattern(inside, 'orders'), createPattern(outside, 'orders')]);
    mgr = await testManager(
      {
        watchNamespaces: [inside],
        http: { host: '127.0.0.1', port: 0 },
        leaderElection: {
          enabled: true,
          namespace: home,
          name: 'prism-operator-scope-test',
          leaseDurationMs: 15_000,
          renewDeadlineMs: 10_000,
          retryPeriodMs: 2_000,
        },
      },
      { observe: ({ method, path }) => requests.push({ method, path }) },
    );
    setupPrismPattern(mgr);
    setupStatusApi(mgr);
    await mgr.start();
  });

  after(async () => {
    await mgr.stop();
    admin.close();
  });

  it('reconciles the pattern in its watched namespace', async () => {
    await eventually(
      async () => {
        const p = await admin.request<Json>({ method: 'GET', path: pattern(inside, 'orders') });
        return p.status?.observedGeneration === p.metadata.generation;
      },
      { timeoutMs: 60_000, what: 'the watched pattern to be reconciled' },
    );
    expect(await exists(`/apis/apps/v1/namespaces/${inside}/deployments/orders`)).to.equal(true);
  });

  it('leaves the pattern in another namespace untouched, even when it changes', async () => {
    await admin.request({
      method: 'PATCH',
      path: pattern(outside, 'orders'),
      body: { spec: { replicas: 2 } },
      contentType: 'application/merge-patch+json',
    });
    // A watch would have delivered the change well within this time; the other namespace is not watched.
    await sleep(3_000);
    const p = await admin.request<Json>({ method: 'GET', path: pattern(outside, 'orders') });
    expect(p.status, 'status of the unwatched pattern').to.equal(undefined);
    expect(await exists(`/apis/apps/v1/namespaces/${outside}/deployments/orders`)).to.equal(false);
  });

  it('never sends a request into another namespace, nor a cluster-wide list or watch of a namespaced kind', () => {
    expect(requests.length).to.be.greaterThan(0);
    const intoOutside = requests.filter((r) => r.path.includes(`/namespaces/${outside}/`));
    expect(intoOutside, 'requests into the unwatched namespace').to.deep.equal([]);
    const clusterWide = requests.filter((r) => {
      const plural = clusterWidePlural(r.path);
      return plural !== undefined && !CLUSTER_SCOPED.has(plural);
    });
    expect(clusterWide, 'cluster-wide requests of namespaced kinds').to.deep.equal([]);
    const lists = requests.filter((r) => r.method === 'GET' && r.path.includes(`/namespaces/${inside}/`));
    expect(
      lists.some((r) => r.path.endsWith('/prismpatterns')),
      'patterns listed in the watched namespace',
    ).to.equal(true);
  });

  it('refuses a watch pinned to a namespace outside the scope', () => {
    const resource = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
    expect(() => mgr.watch('foreign-configmaps', { resource, namespace: outside, map: () => [] })).to.throw(
      /outside the watched namespaces/,
    );
  });

  it('keeps its Lease in the leader-election namespace, which it need not watch', async () => {
    await eventually(() => mgr.isLeader(), { what: 'leadership' });
    expect(
      requests.some(
        (r) => r.path === `/apis/coordination.k8s.io/v1/namespaces/${home}/leases/prism-operator-scope-test`,
      ),
    ).to.equal(true);
  });

  it('shows only objects of the watched namespace in the status API', async () => {
    const { host, port } = mgr.httpAddress!;
    const res = await httpGet(`http://${host}:${port}/api/v1/patterns`);
    expect(res.code).to.equal(200);
    expect(res.body.items.map((v: Json) => `${v.namespace}/${v.name}`)).to.deep.equal([`${inside}/orders`]);
    expect((await httpGet(`http://${host}:${port}/api/v1/patterns/${outside}/orders`)).code).to.equal(404);
  });
});
