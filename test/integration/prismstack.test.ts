import { expect } from 'chai';
import { parse } from 'yaml';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { setupPrismStack } from '../../src/controllers/prismstack.js';
import { CONTENT_TYPE, isNotFound } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl, newNamespace } from '../support/env.js';
import { counterSum, testManager, writeRequests } from '../support/manager.js';
import { crdDir } from '../support/paths.js';
import { installKedaCrds, uninstallKedaCrds } from '../support/keda.js';
import { installServiceMonitorCrd, uninstallServiceMonitorCrd } from '../support/servicemonitor.js';
import { eventually, sleep } from '../support/wait.js';

type Json = Record<string, any>;

const PRISM = '/apis/prism.io/v1alpha1';
const MANAGED = 'app.kubernetes.io/managed-by=prism-operator';

// Fixtures: a stack whose parts read like the spec a user writes.
const proxy = {
  image: 'registry.invalid/prism/proxy:1',
  resources: { requests: { cpu: '100m' } },
  autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 5 },
};
const admin = { image: 'registry.invalid/prism/admin:1', replicas: 3 };
const kafkaBackend = {
  name: 'kafka',
  provider: 'kafka',
  connection: { bootstrapServers: ['kafka.shop:9092'] },
};
const redisBackend = { name: 'redis', provider: 'redis', connection: { endpoints: ['redis.shop:6379'] } };
const tenant = (name: string) => ({ name, displayName: `Tenant ${name}` });
const consumer = (name: string, extra: Json = {}) => ({
  name,
  pattern: 'consumer',
  backend: 'kafka',
  backendRef: { name: 'kafka' },
  image: 'registry.invalid/prism/consumer:1',
  replicas: 1,
  ...extra,
});

describe('the PrismStack reconciler', function () {
  this.timeout(120_000);
  let ns: string;
  let mgr: Manager;

  const get = (path: string) => mgr.client.request<Json>({ method: 'GET', path });
  const tryGet = async (path: string): Promise<Json | undefined> => {
    try {
      return await get(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const at = {
    stack: (name: string) => `${PRISM}/namespaces/${ns}/prismstacks/${name}`,
    pattern: (name: string) => `${PRISM}/namespaces/${ns}/prismpatterns/${name}`,
    backend: (name: string) => `${PRISM}/namespaces/${ns}/prismbackends/${name}`,
    prismNamespace: (name: string) => `${PRISM}/namespaces/${ns}/prismnamespaces/${name}`,
    deployment: (name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
    service: (name: string) => `/api/v1/namespaces/${ns}/services/${name}`,
    configMap: (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`,
    serviceAccount: (name: string) => `/api/v1/namespaces/${ns}/serviceaccounts/${name}`,
    role: (name: string) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/${name}`,
    roleBinding: (name: string) => `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings/${name}`,
    hpa: (name: string) => `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${name}`,
    scaledObject: (name: string) => `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects/${name}`,
    serviceMonitor: (name: string) =>
      `/apis/monitoring.coreos.com/v1/namespaces/${ns}/servicemonitors/${name}`,
  };

  const create = (name: string, spec: Json) =>
    mgr.client.request({
      method: 'POST',
      path: `${PRISM}/namespaces/${ns}/prismstacks`,
      body: { apiVersion: 'prism.io/v1alpha1', kind: 'PrismStack', metadata: { name }, spec },
    });
  // Lists are replaced whole by a merge patch, as `kubectl patch --type merge` does.
  const patchSpec = (name: string, spec: Json) =>
    mgr.client.request({
      method: 'PATCH',
      path: at.stack(name),
      body: { spec },
      contentType: CONTENT_TYPE.mergePatch,
    });
  const condition = (obj: Json, type: string) =>
    (obj.status?.conditions ?? []).find((c: Json) => c.type === type);
  const reconciled = (name: string) =>
    eventually(
      async () => {
        const s = await get(at.stack(name));
        return s.status?.observedGeneration === s.metadata.generation ? s : undefined;
      },
      { what: `PrismStack ${name} to be reconciled`, timeoutMs: 60_000 },
    );
  const stackStatusWhere = (name: string, test: (s: Json) => boolean, what: string) =>
    eventually(
      async () => {
        const s = await get(at.stack(name));
        return s.status?.observedGeneration === s.metadata.generation && test(s) ? s : undefined;
      },
      { what, timeoutMs: 60_000 },
    );
  const warnings = async (reason: string) =>
    (await get(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).items.filter(
      (e: Json) => e.type === 'Warning' && e.reason === reason,
    );
  const expectOwnedByStack = (obj: Json, stack: string) => {
    expect(obj.metadata.ownerReferences, `${obj.kind} ${obj.metadata.name}`).to.have.length(1);
    expect(obj.metadata.ownerReferences[0]).to.include({ kind: 'PrismStack', name: stack, controller: true });
    expect(obj.metadata.labels).to.include({
      'app.kubernetes.io/managed-by': 'prism-operator',
      'prism.io/stack': stack,
    });
  };

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=30s');
    await uninstallServiceMonitorCrd(kubectl);
    ns = await newNamespace('pstack');
    mgr = await testManager();
    setupPrismPattern(mgr);
    setupPrismStack(mgr);
    await mgr.start();
    await create('shop', {
      proxy,
      admin,
      backends: [kafkaBackend],
      namespaces: [tenant('tenant-a')],
      patterns: [consumer('orders')],
    });
  });

  after(async () => {
    await mgr.stop();
    await uninstallServiceMonitorCrd(kubectl);
  });

  it('creates the proxy, the admin and every listed child, each owned by the stack and labelled as managed', async () => {
    const stack = await reconciled('shop');
    const proxyDeployment = await get(at.deployment('shop-proxy'));
    expectOwnedByStack(proxyDeployment, 'shop');
    const container = proxyDeployment.spec.template.spec.containers[0];
    expect(container.image).to.equal(proxy.image);
    expect(container.ports).to.deep.include({ name: 'grpc', containerPort: 8980, protocol: 'TCP' });
    const proxyService = await get(at.service('shop-proxy'));
    expectOwnedByStack(proxyService, 'shop');
    expect(proxyService.spec.ports.map((p: Json) => [p.name, p.port])).to.deep.equal([
      ['grpc', 8980],
      ['metrics', 9090],
    ]);
    const adminDeployment = await get(at.deployment('shop-admin'));
    expectOwnedByStack(adminDeployment, 'shop');
    expect(adminDeployment.spec.replicas).to.equal(3);
    expectOwnedByStack(await get(at.service('shop-admin')), 'shop');

    const backend = await get(at.backend('shop-kafka'));
    expectOwnedByStack(backend, 'shop');
    expect(backend.spec).to.deep.include({ provider: 'kafka', connection: kafkaBackend.connection });
    const tenantA = await get(at.prismNamespace('shop-tenant-a'));
    expectOwnedByStack(tenantA, 'shop');
    expect(tenantA.spec.displayName).to.equal('Tenant tenant-a');
    const orders = await get(at.pattern('shop-orders'));
    expectOwnedByStack(orders, 'shop');
    expect(orders.spec).to.deep.include({ pattern: 'consumer', backend: 'kafka', replicas: 1 });
    expect(orders.spec.backendRef, 'the entry name becomes the child backend’s name').to.deep.equal({
      name: 'shop-kafka',
    });
    expect(orders.spec).to.not.have.property('name');

    // The real PrismPattern reconciler runs the child pattern.
    await eventually(() => tryGet(at.deployment('shop-orders')), { what: 'the pattern’s Deployment' });
    expect(stack.status.summary).to.include({ patterns: '0/1', backends: '0/1', namespaces: '0/1' });
    const events = (await get(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).items as Json[];
    expect(events.some((e) => e.reason === 'Created' && e.regarding.name === 'shop')).to.equal(true);
  });

  it('scales the proxy with an HPA on CPU by default, leaving spec.replicas to it', async () => {
    const hpa = await eventually(() => tryGet(at.hpa('shop-proxy')), { what: 'the proxy HPA' });
    expectOwnedByStack(hpa, 'shop');
    expect(hpa.spec).to.deep.include({ minReplicas: 2, maxReplicas: 5 });
    expect(hpa.spec.scaleTargetRef).to.deep.equal({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'shop-proxy',
    });
    expect(hpa.spec.metrics[0].resource).to.deep.equal({
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: 80 },
    });
    const d = await get(at.deployment('shop-proxy'));
    const ours = (d.metadata.managedFields as Json[]).find((m) => m.manager === 'prism-operator');
    expect(JSON.stringify(ours!.fieldsV1['f:spec'])).not.to.include('f:replicas');
  });

  it('gives the admin a ServiceAccount bound to a Role that allows only Lease-based leader election', async () => {
    const sa = await get(at.serviceAccount('shop-admin'));
    expectOwnedByStack(sa, 'shop');
    const role = await get(at.role('shop-admin-leader-election'));
    expectOwnedByStack(role, 'shop');
    expect(role.rules).to.deep.equal([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ]);
    const binding = await get(at.roleBinding('shop-admin-leader-election'));
    expectOwnedByStack(binding, 'shop');
    expect(binding.roleRef).to.deep.equal({
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: 'shop-admin-leader-election',
    });
    expect(binding.subjects).to.deep.equal([{ kind: 'ServiceAccount', name: 'shop-admin', namespace: ns }]);
    const pod = (await get(at.deployment('shop-admin'))).spec.template.spec;
    expect(pod.serviceAccountName).to.equal('shop-admin');
    const env = Object.fromEntries(pod.containers[0].env.map((e: Json) => [e.name, e.value ?? e.valueFrom]));
    expect(env).to.deep.include({ PRISM_LEADER_ELECT: 'true', PRISM_LEASE_NAME: 'shop-admin' });
  });

  it('lists the admin endpoint, backends and namespaces in the proxy ConfigMap, and rolls the proxy when they change', async () => {
    const cm = await get(at.configMap('shop-proxy-config'));
    expectOwnedByStack(cm, 'shop');
    const config = parse(cm.data['proxy.yaml'] as string) as Json;
    expect(config.admin).to.deep.equal({ endpoint: `shop-admin.${ns}.svc:8981` });
    expect(config.backends).to.deep.equal([{ name: 'kafka', provider: 'kafka', prismBackend: 'shop-kafka' }]);
    expect(config.namespaces).to.deep.equal([
      { name: 'tenant-a', namespace: 'shop-tenant-a', prismNamespace: 'shop-tenant-a' },
    ]);
    const before = await get(at.deployment('shop-proxy'));
    const pod = before.spec.template.spec;
    expect(pod.volumes).to.deep.include({
      name: 'config',
      configMap: { name: 'shop-proxy-config', defaultMode: 420 },
    });
    expect(pod.containers[0].volumeMounts).to.deep.include({
      name: 'config',
      mountPath: '/etc/prism/proxy',
      readOnly: true,
    });
    const checksum = (d: Json) => d.spec.template.metadata.annotations['prism.io/config-checksum'];
    expect(checksum(before)).to.be.a('string');

    await patchSpec('shop', { backends: [kafkaBackend, redisBackend] });
    const after = await eventually(
      async () => {
        const d = await get(at.deployment('shop-proxy'));
        return checksum(d) !== checksum(before) ? d : undefined;
      },
      { what: 'the proxy pod template to change', timeoutMs: 60_000 },
    );
    const updated = parse(
      (await get(at.configMap('shop-proxy-config'))).data['proxy.yaml'] as string,
    ) as Json;
    expect(updated.backends.map((b: Json) => b.name)).to.deep.equal(['kafka', 'redis']);
    expect(after.metadata.generation).to.be.greaterThan(before.metadata.generation as number);
    expectOwnedByStack(await get(at.backend('shop-redis')), 'shop');
  });

  it('updates the child of an edited entry in place', async () => {
    const before = await get(at.pattern('shop-orders'));
    await patchSpec('shop', {
      patterns: [consumer('orders', { replicas: 2, config: { 'a.yaml': 'x: 1\n' } })],
    });
    const after = await eventually(
      async () => {
        const p = await get(at.pattern('shop-orders'));
        return p.spec.replicas === 2 ? p : undefined;
      },
      { what: 'the PrismPattern to be updated', timeoutMs: 60_000 },
    );
    expect(after.metadata.uid).to.equal(before.metadata.uid);
    expect(after.spec.config).to.deep.equal({ 'a.yaml': 'x: 1\n' });
  });

  it('deletes the children of removed entries, and the admin’s objects when the admin is disabled', async () => {
    await patchSpec('shop', { namespaces: [], backends: [kafkaBackend], admin: { enabled: false } });
    await eventually(
      async () =>
        !(await tryGet(at.prismNamespace('shop-tenant-a'))) &&
        !(await tryGet(at.backend('shop-redis'))) &&
        !(await tryGet(at.deployment('shop-admin'))) &&
        !(await tryGet(at.service('shop-admin'))) &&
        !(await tryGet(at.serviceAccount('shop-admin'))) &&
        !(await tryGet(at.role('shop-admin-leader-election'))) &&
        !(await tryGet(at.roleBinding('shop-admin-leader-election'))),
      { what: 'the removed children to be deleted', timeoutMs: 60_000 },
    );
    expect(await tryGet(at.backend('shop-kafka'))).to.not.equal(undefined);
    const stack = await reconciled('shop');
    expect(condition(stack, 'AdminReady')).to.include({ status: 'True', reason: 'Disabled' });
    const config = parse((await get(at.configMap('shop-proxy-config'))).data['proxy.yaml'] as string) as Json;
    expect(config.admin).to.equal(null);
  });

  it('aggregates PatternsReady from what the PrismPattern reconciler reports for each child pattern', async () => {
    // No nodes run pods here, so a pattern is Ready only at zero replicas.
    await patchSpec('shop', { patterns: [consumer('orders', { replicas: 0 })] });
    const ready = await stackStatusWhere(
      'shop',
      (s) => condition(s, 'PatternsReady')?.status === 'True',
      'PatternsReady=True',
    );
    expect(ready.status.patterns).to.deep.equal([{ name: 'orders', phase: 'Running', ready: true }]);
    expect(condition(ready, 'PatternsReady').reason).to.equal('AllReady');
    expect(ready.status.summary.patterns).to.equal('1/1');
    const child = await get(at.pattern('shop-orders'));
    expect(condition(child, 'Ready')).to.include({ status: 'True' });

    // A trigger the pattern reconciler refuses: the child goes Invalid and the stack Degraded.
    const badKeda = {
      enabled: true,
      scaler: 'keda',
      maxReplicas: 3,
      triggers: [
        { type: 'kafka', metadata: { bootstrapServers: 'k:9092', consumerGroup: 'g', lagThreshold: 'lots' } },
      ],
    };
    await patchSpec('shop', {
      patterns: [consumer('orders', { replicas: 0 }), consumer('broken', { autoscaling: badKeda })],
    });
    const degraded = await stackStatusWhere(
      'shop',
      (s) => condition(s, 'PatternsReady')?.reason === 'ChildFailed',
      'PatternsReady=False ChildFailed',
    );
    expect(condition(degraded, 'PatternsReady').status).to.equal('False');
    expect(condition(degraded, 'PatternsReady').message).to.include('broken').and.include('lagThreshold');
    expect(degraded.status.phase).to.equal('Degraded');
    expect(condition(degraded, 'Ready')).to.include({ status: 'False' });
    expect(degraded.status.patterns).to.deep.include({ name: 'broken', phase: 'Invalid', ready: false });
    await patchSpec('shop', { patterns: [consumer('orders', { replicas: 0 })] });
    await eventually(async () => !(await tryGet(at.pattern('shop-broken'))), {
      what: 'the broken pattern to go',
      timeoutMs: 60_000,
    });
  });

  it('says the ServiceMonitor CRD is missing, keeps the rest running, and creates the ServiceMonitor once the CRD appears', async () => {
    await patchSpec('shop', { observability: { serviceMonitor: true } });
    const missing = await stackStatusWhere(
      'shop',
      (s) => condition(s, 'ObservabilityReady')?.reason === 'ServiceMonitorCRDMissing',
      'ObservabilityReady=False ServiceMonitorCRDMissing',
    );
    expect(condition(missing, 'ObservabilityReady').status).to.equal('False');
    expect(condition(missing, 'ObservabilityReady').message).to.include(
      'servicemonitors.monitoring.coreos.com',
    );
    await eventually(async () => (await warnings('ServiceMonitorCRDMissing')).length > 0, {
      what: 'a ServiceMonitorCRDMissing Warning event',
    });
    expect(await tryGet(at.deployment('shop-proxy'))).to.not.equal(undefined);

    await installServiceMonitorCrd(kubectl);
    const sm = await eventually(() => tryGet(at.serviceMonitor('shop')), {
      what: 'the ServiceMonitor once its CRD is installed',
      timeoutMs: 60_000,
    });
    expectOwnedByStack(sm, 'shop');
    expect(sm.spec.endpoints).to.deep.equal([{ port: 'metrics', path: '/metrics' }]);
    expect(sm.spec.selector.matchExpressions[0].values).to.deep.equal(['prism-proxy', 'prism-admin']);
    await stackStatusWhere(
      'shop',
      (s) => condition(s, 'ObservabilityReady')?.status === 'True',
      'ObservabilityReady=True',
    );
  });

  it('scales the proxy with KEDA when asked: runs unscaled with KEDANotInstalled, then creates the ScaledObject once KEDA arrives', async () => {
    const cron = {
      type: 'cron',
      metadata: { timezone: 'UTC', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: 3 },
    };
    await uninstallKedaCrds(kubectl);
    try {
      await create('edge', {
        proxy: {
          image: proxy.image,
          autoscaling: { enabled: true, scaler: 'keda', minReplicas: 1, maxReplicas: 4, triggers: [cron] },
        },
      });
      const stack = await stackStatusWhere(
        'edge',
        (s) => condition(s, 'ProxyScalerReady') !== undefined,
        'ProxyScalerReady',
      );
      expect(condition(stack, 'ProxyScalerReady')).to.include({
        status: 'False',
        reason: 'KEDANotInstalled',
      });
      expect(await tryGet(at.deployment('edge-proxy'))).to.not.equal(undefined);
      expect(await tryGet(at.hpa('edge-proxy'))).to.equal(undefined);
    } finally {
      await installKedaCrds(kubectl);
    }
    const so = await eventually(() => tryGet(at.scaledObject('edge-proxy')), {
      what: 'the proxy ScaledObject once KEDA is installed',
      timeoutMs: 60_000,
    });
    expectOwnedByStack(so, 'edge');
    expect(so.spec.scaleTargetRef).to.deep.include({ name: 'edge-proxy' });
    expect(so.spec).to.deep.include({ minReplicaCount: 1, maxReplicaCount: 4 });
    await mgr.client.request({ method: 'DELETE', path: at.stack('edge') });
    await eventually(async () => !(await tryGet(at.scaledObject('edge-proxy'))), {
      what: 'the proxy ScaledObject to be garbage-collected',
      timeoutMs: 60_000,
    });
  });

  it('writes nothing when everything is reconciled again unchanged', async () => {
    await sleep(1000);
    await mgr.queue.onIdle();
    const writes = await writeRequests(mgr);
    const requests = await counterSum(mgr, 'rest_client_requests_total');
    mgr.resyncAll();
    await sleep(200);
    await mgr.queue.onIdle();
    expect((await writeRequests(mgr)) - writes).to.equal(0);
    expect((await counterSum(mgr, 'rest_client_requests_total')) - requests).to.equal(0);
  });

  it('leaves the garbage collector to remove every child when the stack is deleted, with no orphans', async () => {
    await mgr.client.request({ method: 'DELETE', path: at.stack('shop') });
    // Another test's stack, in case that test failed before deleting it.
    await mgr.client.request({ method: 'DELETE', path: at.stack('edge') }).catch((err: unknown) => {
      if (!isNotFound(err)) throw err;
    });
    const kinds = [
      'deployments',
      'services',
      'configmaps',
      'serviceaccounts',
      'roles.rbac.authorization.k8s.io',
      'rolebindings.rbac.authorization.k8s.io',
      'horizontalpodautoscalers',
      'prismpatterns',
      'prismbackends',
      'prismnamespaces',
      'servicemonitors',
    ];
    const left = async () =>
      (await kubectl('-n', ns, 'get', kinds.join(','), '-l', MANAGED, '-o', 'name'))
        .split('\n')
        .filter((l) => l.trim() !== '');
    await eventually(async () => (await left()).length === 0, {
      what: 'every managed object to be garbage-collected',
      timeoutMs: 90_000,
    }).catch(async (err: unknown) => {
      throw new Error(`${String(err)}; left: ${(await left()).join(', ')}`);
    });
  });
});
