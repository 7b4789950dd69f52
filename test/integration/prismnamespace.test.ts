import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { setupPrismNamespace } from '../../src/controllers/prismnamespace.js';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { CONTENT_TYPE, isNotFound } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { counterSum, testManager, writeRequests } from '../support/manager.js';
import { crdDir, repoRoot } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';

type Json = Record<string, any>;

const API = '/apis/prism.io/v1alpha1';
const OPERATOR_NAMESPACE = 'prism-system';

async function installCrds(): Promise<void> {
  await kubectl(
    'apply',
    '--server-side',
    '--force-conflicts',
    '-f',
    join(crdDir, 'prism.io_prismnamespaces.yaml'),
    '-f',
    join(crdDir, 'prism.io_prismpatterns.yaml'),
    '-f',
    join(crdDir, 'prism.io_prismbackends.yaml'),
  );
  await kubectl(
    'wait',
    '--for=condition=Established',
    'crd/prismnamespaces.prism.io',
    'crd/prismpatterns.prism.io',
    'crd/prismbackends.prism.io',
    '--timeout=30s',
  );
}

/** Requests and waits shared by both suites, against one manager's client. */
function helpers(mgr: () => Manager, ns: () => string) {
  const get = (path: string) => mgr().client.request<Json>({ method: 'GET', path });
  const tryGet = async (path: string): Promise<Json | undefined> => {
    try {
      return await get(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const tenantPath = (name: string) => `${API}/namespaces/${ns()}/prismnamespaces/${name}`;
  const create = (name: string, spec: Json) =>
    mgr().client.request({
      method: 'POST',
      path: `${API}/namespaces/${ns()}/prismnamespaces`,
      body: { apiVersion: 'prism.io/v1alpha1', kind: 'PrismNamespace', metadata: { name }, spec },
    });
  const patchSpec = (name: string, spec: Json) =>
    mgr().client.request({
      method: 'PATCH',
      path: tenantPath(name),
      body: { spec },
      contentType: CONTENT_TYPE.mergePatch,
    });
  const condition = (obj: Json, type: string) =>
    (obj.status?.conditions ?? []).find((c: Json) => c.type === type);
  /** The tenant once its status describes its current spec and `ok` holds. */
  const tenantWhen = (name: string, ok: (t: Json) => boolean, what: string) =>
    eventually(
      async () => {
        const t = await get(tenantPath(name));
        return t.status?.observedGeneration === t.metadata.generation && ok(t) ? t : undefined;
      },
      { what: `PrismNamespace ${name}: ${what}`, timeoutMs: 60_000 },
    );
  const warnings = async (reason: string) =>
    (await get(`/apis/events.k8s.io/v1/namespaces/${ns()}/events`)).items.filter(
      (e: Json) => e.type === 'Warning' && e.reason === reason,
    );
  return { get, tryGet, tenantPath, create, patchSpec, condition, tenantWhen, warnings };
}

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

describe('the PrismNamespace reconciler', function () {
  this.timeout(120_000);
  let ns: string;
  let mgr: Manager;
  const h = helpers(
    () => mgr,
    () => ns,
  );
  const { get, tryGet, create, patchSpec, condition, tenantWhen, warnings } = h;
  const nsPath = (name: string) => `/api/v1/namespaces/${name}`;
  const quotaPath = (tenant: string) => `/api/v1/namespaces/${tenant}/resourcequotas/prism-quota`;
  const limitsPath = (tenant: string) => `/api/v1/namespaces/${tenant}/limitranges/prism-limits`;
  const policyPath = (tenant: string, name: string) =>
    `/apis/networking.k8s.io/v1/namespaces/${tenant}/networkpolicies/${name}`;
  const bindings = async (tenant: string) =>
    (await get(`/apis/rbac.authorization.k8s.io/v1/namespaces/${tenant}/rolebindings`)).items as Json[];
  // Not queue.onIdle(): objects other test files left behind may hold delayed requeues.
  const settled = () =>
    eventually(() => mgr.queue.len() === 0 && mgr.queue.processingCount() === 0, {
      what: 'the queue to settle',
    });
  const active = (name: string) => tenantWhen(name, (t) => t.status?.phase === 'Active', 'Active');

  const acme = unique('acme');
  const expiring = unique('brief');

  before(async () => {
    await installCrds();
    ns = await newNamespace('pns');
    mgr = await testManager();
    setupPrismNamespace(mgr, { clusterScope: true, operatorNamespace: OPERATOR_NAMESPACE });
    setupPrismPattern(mgr);
    await mgr.start();
  });

  after(async () => {
    await mgr.stop();
  });

  it('provisions the Namespace with quota, limits, isolation and access, and reports Active with quota usage', async () => {
    await create('acme', {
      namespace: acme,
      displayName: 'ACME Corp',
      labels: { team: 'acme' },
      annotations: { 'example.com/contact': 'ops@acme.example' },
      quota: { cpu: '2', memory: '4Gi', pods: 10, configMaps: 5 },
      limits: { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' } },
      isolation: 'namespace',
      access: [
        { kind: 'Group', name: 'acme-devs', role: 'edit' },
        { kind: 'ServiceAccount', name: 'deployer', namespace: 'ci', role: 'admin' },
      ],
    });
    const t = await active('acme');
    expect(t.metadata.finalizers).to.include('prism.io/tenant-cleanup');
    expect(t.status).to.include({ namespace: acme });
    expect(t.status.provisionedAt).to.be.a('string');
    for (const type of ['Ready', 'Provisioned', 'QuotaEnforced', 'IsolationApplied']) {
      expect(condition(t, type), type).to.include({
        status: 'True',
        observedGeneration: t.metadata.generation,
      });
    }
    expect(t.status.quota.hard).to.deep.equal({
      'requests.cpu': '2',
      'requests.memory': '4Gi',
      pods: '10',
      configmaps: '5',
    });

    const namespace = await get(nsPath(acme));
    expect(namespace.metadata.labels).to.include({
      team: 'acme',
      'app.kubernetes.io/managed-by': 'prism-operator',
      'prism.io/owner-kind': 'PrismNamespace',
      'prism.io/owner-namespace': ns,
      'prism.io/owner-name': 'acme',
    });
    expect(namespace.metadata.annotations).to.include({
      'prism.io/display-name': 'ACME Corp',
      'example.com/contact': 'ops@acme.example',
    });
    expect(namespace.metadata.ownerReferences ?? []).to.deep.equal([]);

    const quota = await get(quotaPath(acme));
    expect(quota.metadata.labels).to.include({ 'prism.io/owner-name': 'acme' });
    expect((await get(limitsPath(acme))).spec.limits).to.deep.equal([
      {
        type: 'Container',
        default: { cpu: '500m', memory: '512Mi' },
        defaultRequest: { cpu: '100m', memory: '128Mi' },
      },
    ]);
    const ingress = await get(policyPath(acme, 'prism-isolation-ingress'));
    expect(ingress.spec.policyTypes).to.deep.equal(['Ingress']);
    expect(ingress.spec.ingress[0].from).to.deep.equal([
      { podSelector: {} },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } } },
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': OPERATOR_NAMESPACE } } },
    ]);
    expect(await tryGet(policyPath(acme, 'prism-isolation-egress'))).to.equal(undefined);
    const rbs = await bindings(acme);
    expect(rbs.map((b) => [b.roleRef.name, b.subjects[0]]).sort()).to.deep.equal([
      ['admin', { kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' }],
      ['edit', { kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'acme-devs' }],
    ]);
    expect(rbs.every((b) => b.roleRef.kind === 'ClusterRole')).to.equal(true);

    // Usage comes from the ResourceQuota's status, which the API server and quota controller keep.
    const usedBefore = Number(t.status.quota.used.configmaps);
    await testEnv().core.createNamespacedConfigMap({
      namespace: acme,
      body: { metadata: { name: 'settings' }, data: { a: '1' } },
    });
    await tenantWhen(
      'acme',
      (cur) => Number(cur.status.quota?.used?.configmaps) === usedBefore + 1,
      'configmaps used to go up by one',
    );
  });

  it('updates quota and isolation in place and removes the policies and bindings no longer wanted', async () => {
    const quotaUid = (await get(quotaPath(acme))).metadata.uid;
    await patchSpec('acme', {
      // Written as the server would not store them: the operator canonicalises, so resyncs stay silent.
      quota: { pods: 20, cpu: '0.5', memory: '4096Mi' },
      isolation: 'strict',
      access: [{ kind: 'Group', name: 'acme-devs', role: 'view' }],
    });
    const t = await tenantWhen('acme', (cur) => cur.status.quota?.hard?.pods === '20', 'pods quota 20');
    expect(t.status.phase).to.equal('Active');
    expect(condition(t, 'IsolationApplied')).to.include({ status: 'True', reason: 'StrictIsolation' });
    const quota = await get(quotaPath(acme));
    expect(quota.metadata.uid).to.equal(quotaUid, 'updated in place');
    expect(quota.spec.hard).to.deep.equal({
      'requests.cpu': '500m',
      'requests.memory': '4Gi',
      pods: '20',
      configmaps: '5',
    });
    // A backend in the tenant Namespace opens egress to its address.
    await mgr.client.request({
      method: 'POST',
      path: `${API}/namespaces/${acme}/prismbackends`,
      body: {
        apiVersion: 'prism.io/v1alpha1',
        kind: 'PrismBackend',
        metadata: { name: 'events' },
        spec: { provider: 'kafka', connection: { bootstrapServers: ['10.0.0.5:9092'] } },
      },
    });
    const egress = await eventually(
      async () => {
        const p = await tryGet(policyPath(acme, 'prism-isolation-egress'));
        return p?.spec.egress.length === 3 ? p : undefined;
      },
      { what: 'the egress policy to admit the backend' },
    );
    expect(egress.spec.egress[2]).to.deep.equal({
      to: [{ ipBlock: { cidr: '10.0.0.5/32' } }],
      ports: [{ protocol: 'TCP', port: 9092 }],
    });
    expect(egress.spec.policyTypes).to.deep.equal(['Egress']);
    expect(egress.spec.egress[0]).to.deep.equal({
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
      ports: [
        { protocol: 'UDP', port: 53 },
        { protocol: 'TCP', port: 53 },
      ],
    });
    await eventually(async () => (await bindings(acme)).length === 1, { what: 'the old bindings to go' });
    expect((await bindings(acme))[0]!.roleRef.name).to.equal('view');

    await patchSpec('acme', { isolation: 'none', limits: null });
    await eventually(
      async () =>
        !(await tryGet(policyPath(acme, 'prism-isolation-ingress'))) &&
        !(await tryGet(policyPath(acme, 'prism-isolation-egress'))) &&
        !(await tryGet(limitsPath(acme))),
      { what: 'both NetworkPolicies and the LimitRange to be deleted' },
    );
    const after = await tenantWhen(
      'acme',
      (cur) => condition(cur, 'IsolationApplied')?.reason === 'IsolationDisabled',
      'isolation off',
    );
    expect(condition(after, 'IsolationApplied')).to.include({ status: 'False' });
    expect(condition(after, 'Ready')).to.include({ status: 'True' });
  });

  it('writes nothing when everything is reconciled again unchanged', async () => {
    await sleep(1000);
    await settled();
    const writes = await writeRequests(mgr);
    const requests = await counterSum(mgr, 'rest_client_requests_total');
    mgr.resyncAll();
    await sleep(200);
    await settled();
    expect((await writeRequests(mgr)) - writes).to.equal(0);
    expect((await counterSum(mgr, 'rest_client_requests_total')) - requests).to.equal(0);
  });

  it('reports when a tenant with a ttl expires', async () => {
    // The shortest ttl the schema allows is 1m: its expiry is checked by a later test.
    await create('brief', { namespace: expiring, ttl: '1m' });
    const brief = await active('brief');
    expect(Date.parse(brief.status.expiresAt) - Date.parse(brief.metadata.creationTimestamp)).to.equal(
      60_000,
    );
  });

  it('refuses a Namespace it did not create (NamespaceConflict, nothing written) and adopts it with adopt: true', async () => {
    const existing = await newNamespace('legacy');
    await create('legacy', { namespace: existing, quota: { pods: 3 } });
    const t = await tenantWhen('legacy', (cur) => cur.status?.phase === 'Failed', 'Failed');
    expect(condition(t, 'Ready')).to.include({ status: 'False', reason: 'NamespaceConflict' });
    expect(condition(t, 'Ready').message).to.include('adopt: true');
    await eventually(async () => (await warnings('NamespaceConflict')).length > 0, {
      what: 'a Warning event',
    });
    const untouched = await get(nsPath(existing));
    expect(untouched.metadata.labels).to.not.have.property('prism.io/owner-name');
    expect(await tryGet(quotaPath(existing))).to.equal(undefined);

    await patchSpec('legacy', { adopt: true });
    await active('legacy');
    const adopted = await get(nsPath(existing));
    expect(adopted.metadata.labels).to.include({ 'prism.io/owner-name': 'legacy' });
    expect((await get(quotaPath(existing))).spec.hard).to.deep.equal({ pods: '3' });
  });

  it('refuses patterns and backends the tenant does not allow, and leaves existing children untouched', async () => {
    const shop = unique('shop');
    await create('shop', { namespace: shop, allowedPatterns: ['keyvalue'], allowedBackends: ['redis'] });
    await active('shop');
    const patterns = `${API}/namespaces/${shop}/prismpatterns`;
    const newPattern = (name: string, spec: Json) =>
      mgr.client.request({
        method: 'POST',
        path: patterns,
        body: {
          apiVersion: 'prism.io/v1alpha1',
          kind: 'PrismPattern',
          metadata: { name },
          spec: { image: 'registry.invalid/prism/runner:1', ...spec },
        },
      });
    const deploymentPath = (name: string) => `/apis/apps/v1/namespaces/${shop}/deployments/${name}`;
    const patternReady = (name: string, reason: string) =>
      eventually(
        async () => {
          const p = await get(`${patterns}/${name}`);
          return condition(p, 'Ready')?.reason === reason ? p : undefined;
        },
        { what: `PrismPattern ${name} Ready reason ${reason}`, timeoutMs: 60_000 },
      );
    const shopWarnings = async (reason: string) =>
      (await get(`/apis/events.k8s.io/v1/namespaces/${shop}/events`)).items.filter(
        (e: Json) => e.type === 'Warning' && e.reason === reason,
      );

    await newPattern('cache', { pattern: 'keyvalue', backend: 'redis' });
    const before = await eventually(() => tryGet(deploymentPath('cache')), {
      what: 'the allowed Deployment',
    });

    await newPattern('orders', { pattern: 'consumer', backend: 'redis' });
    const refused = await patternReady('orders', 'PatternNotAllowed');
    expect(condition(refused, 'Ready')).to.include({ status: 'False' });
    expect(condition(refused, 'Ready').message).to.include('allowedPatterns');
    expect(await tryGet(deploymentPath('orders'))).to.equal(undefined);

    // Changing the tenant's policy re-queues the patterns already there.
    await patchSpec('shop', { allowedBackends: ['kafka'] });
    await patternReady('cache', 'BackendNotAllowed');
    await eventually(async () => (await shopWarnings('BackendNotAllowed')).length > 0, {
      what: 'a BackendNotAllowed Warning',
    });
    expect(await shopWarnings('PatternNotAllowed')).to.have.length.greaterThan(0);
    const after = await get(deploymentPath('cache'));
    expect(after.metadata.uid).to.equal(before.metadata.uid);
    expect(after.metadata.generation).to.equal(before.metadata.generation);

    await patchSpec('shop', { allowedBackends: null });
    await eventually(
      async () => {
        const p = await get(`${patterns}/cache`);
        return condition(p, 'Ready')?.reason !== 'BackendNotAllowed';
      },
      { what: 'the pattern to be allowed again' },
    );
  });

  it('deletes the Namespace and then its finalizer under deletionPolicy Delete', async () => {
    await mgr.client.request({ method: 'DELETE', path: h.tenantPath('acme') });
    await eventually(async () => !(await tryGet(h.tenantPath('acme'))), {
      what: 'the PrismNamespace to be gone (finalizer removed)',
    });
    const left = await tryGet(nsPath(acme));
    expect(
      left === undefined || left.metadata.deletionTimestamp !== undefined,
      'Namespace deleting',
    ).to.equal(true);
    await eventually(async () => !(await tryGet(nsPath(acme))), {
      what: 'the namespace controller to remove the Namespace',
      timeoutMs: 90_000,
    });
  });

  it('keeps the Namespace and its content, without the operator’s labels, under deletionPolicy Retain', async () => {
    const kept = unique('kept');
    await create('kept', { namespace: kept, quota: { pods: 4 }, deletionPolicy: 'Retain' });
    await active('kept');
    await mgr.client.request({ method: 'DELETE', path: h.tenantPath('kept') });
    await eventually(async () => !(await tryGet(h.tenantPath('kept'))), { what: 'the PrismNamespace to go' });
    const namespace = await get(nsPath(kept));
    expect(namespace.metadata.deletionTimestamp).to.equal(undefined);
    expect(namespace.metadata.labels).to.not.have.property('prism.io/owner-name');
    expect(namespace.metadata.labels).to.not.have.property('app.kubernetes.io/managed-by');
    const quota = await get(quotaPath(kept));
    expect(quota.spec.hard).to.deep.equal({ pods: '4' });
    expect(quota.metadata.labels ?? {}).to.not.have.property('prism.io/owner-name');
  });

  it('deletes a tenant whose ttl ran out, and its Namespace with it', async () => {
    await eventually(async () => !(await tryGet(h.tenantPath('brief'))), {
      what: 'the expired PrismNamespace to delete itself',
      timeoutMs: 100_000,
    });
    const left = await tryGet(nsPath(expiring));
    expect(left === undefined || left.metadata.deletionTimestamp !== undefined).to.equal(true);
  });

  it('applies and reconciles the sample', async () => {
    const file = join(repoRoot, 'samples', 'prismnamespace_example.yaml');
    await kubectl('apply', '--server-side', '-f', file);
    const tenant = JSON.parse(
      await kubectl('-n', 'default', 'get', 'prismnamespace', 'payments', '-o', 'json'),
    );
    const target = tenant.spec.namespace as string;
    await eventually(
      async () => {
        const cur = JSON.parse(
          await kubectl('-n', 'default', 'get', 'prismnamespace', 'payments', '-o', 'json'),
        );
        return cur.status?.phase === 'Active' && cur.status.observedGeneration === cur.metadata.generation;
      },
      { what: 'the sample tenant to be Active', timeoutMs: 60_000 },
    );
    expect(await bindings(target)).to.have.length(4);
    expect(await tryGet(policyPath(target, 'prism-isolation-egress'))).to.not.equal(undefined);
    // Retain: the test cleans up the Namespace itself.
    await kubectl('delete', '-f', file, '--wait=true', '--timeout=60s');
    await kubectl('delete', 'namespace', target, '--wait=false');
  });
});

describe('the PrismNamespace reconciler when the operator watches only some namespaces', function () {
  this.timeout(90_000);
  let ns: string;
  let mgr: Manager;
  const h = helpers(
    () => mgr,
    () => ns,
  );

  before(async () => {
    await installCrds();
    ns = await newNamespace('pns-scoped');
    mgr = await testManager();
    setupPrismNamespace(mgr, { clusterScope: false, operatorNamespace: OPERATOR_NAMESPACE });
    await mgr.start();
  });

  after(async () => {
    await mgr.stop();
  });

  it('reports ClusterScopeRequired and creates no Namespace', async () => {
    const target = unique('scoped');
    await h.create('scoped', { namespace: target });
    const t = await h.tenantWhen('scoped', (cur) => cur.status?.phase === 'Failed', 'Failed');
    expect(h.condition(t, 'Ready')).to.include({ status: 'False', reason: 'ClusterScopeRequired' });
    expect(h.condition(t, 'Ready').message).to.include('WATCH_NAMESPACES');
    expect(t.metadata.finalizers ?? []).to.deep.equal([]);
    await eventually(async () => (await h.warnings('ClusterScopeRequired')).length > 0, {
      what: 'a Warning event',
    });
    expect(await h.tryGet(`/api/v1/namespaces/${target}`)).to.equal(undefined);
    await mgr.client.request({ method: 'DELETE', path: h.tenantPath('scoped') });
  });
});
