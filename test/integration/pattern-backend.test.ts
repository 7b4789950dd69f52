import { expect } from 'chai';
import { join } from 'node:path';
import { setupPrismBackend, type PrismBackendReconciler } from '../../src/controllers/prismbackend.js';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { BACKEND_CHECKSUM_ANNOTATION } from '../../src/resources/backend.js';
import { CONTENT_TYPE, isNotFound } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl, newNamespace } from '../support/env.js';
import { installKedaCrds } from '../support/keda.js';
import { counterSum, testManager, writeRequests } from '../support/manager.js';
import { crdDir } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';

type Json = Record<string, any>;

describe('PrismPatterns bound to a PrismBackend', function () {
  this.timeout(120_000);
  let ns: string;
  let mgr: Manager;
  let backendReconciler: PrismBackendReconciler;

  const get = (path: string) => mgr.client.request<Json>({ method: 'GET', path });
  const tryGet = async (path: string): Promise<Json | undefined> => {
    try {
      return await get(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const prism = (plural: string, name = '') =>
    `/apis/prism.io/v1alpha1/namespaces/${ns}/${plural}${name ? `/${name}` : ''}`;
  const deploymentPath = (name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
  const soPath = (name: string) => `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects/${name}`;
  const taPath = (name: string) => `/apis/keda.sh/v1alpha1/namespaces/${ns}/triggerauthentications/${name}`;
  const create = (plural: string, kind: string, name: string, spec: Json) =>
    mgr.client.request({
      method: 'POST',
      path: prism(plural),
      body: { apiVersion: 'prism.io/v1alpha1', kind, metadata: { name }, spec },
    });
  const patchSpec = (plural: string, name: string, spec: Json) =>
    mgr.client.request({
      method: 'PATCH',
      path: prism(plural, name),
      body: { spec },
      contentType: CONTENT_TYPE.mergePatch,
    });
  const readyReason = (o: Json) =>
    (o.status?.conditions ?? []).find((c: Json) => c.type === 'Ready')?.reason as string | undefined;
  const patternWhen = (name: string, check: (p: Json) => boolean, what: string) =>
    eventually(
      async () => {
        const p = await get(prism('prismpatterns', name));
        return p.status?.observedGeneration === p.metadata.generation && check(p) ? p : undefined;
      },
      { what: `PrismPattern ${name}: ${what}`, timeoutMs: 60_000 },
    );

  /** A Kafka backend with SASL credentials in a Secret; not probed (nothing listens on its brokers). */
  const kafkaBackend = (brokers: string[]) => ({
    provider: 'kafka',
    connection: { bootstrapServers: brokers, topic: 'orders' },
    secretRef: { name: 'kafka-creds', keys: { username: 'username', password: 'password' } },
    healthCheck: { enabled: false },
  });
  /** A KEDA-scaled consumer whose kafka trigger names no broker: the backend supplies them. */
  const consumer = (backend: string, metadata: Json = {}) => ({
    pattern: 'consumer',
    backend: 'kafka',
    backendRef: { name: backend },
    image: 'registry.invalid/prism/consumer:1',
    autoscaling: {
      enabled: true,
      scaler: 'keda',
      minReplicas: 1,
      maxReplicas: 5,
      triggers: [
        {
          type: 'kafka',
          name: 'lag',
          metadata: { consumerGroup: 'orders', lagThreshold: 100, sasl: 'plaintext', ...metadata },
        },
      ],
    },
  });

  before(async () => {
    for (const plural of ['prismpatterns', 'prismbackends']) {
      await kubectl(
        'apply',
        '--server-side',
        '--force-conflicts',
        '-f',
        join(crdDir, `prism.io_${plural}.yaml`),
      );
      await kubectl('wait', '--for=condition=Established', `crd/${plural}.prism.io`, '--timeout=30s');
    }
    await installKedaCrds(kubectl);
    ns = await newNamespace('pbind');
    mgr = await testManager();
    setupPrismPattern(mgr);
    backendReconciler = setupPrismBackend(mgr, { loopbackOnly: true });
    await mgr.start();
    await mgr.client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'kafka-creds' },
        stringData: { username: 'orders', password: 'hunter2' },
      },
    });
  });

  after(async () => {
    backendReconciler.stop();
    await mgr.stop();
  });

  it("gives the Deployment the connection and the ScaledObject the backend's brokers and a TriggerAuthentication", async () => {
    await create('prismbackends', 'PrismBackend', 'orders-kafka', kafkaBackend(['kafka-0.test:9092']));
    await create('prismpatterns', 'PrismPattern', 'consumer', consumer('orders-kafka'));
    const so = await eventually(() => tryGet(soPath('consumer')), {
      what: 'the ScaledObject',
      timeoutMs: 60_000,
    });
    const trigger = so.spec.triggers[0];
    expect(trigger.metadata).to.include({
      bootstrapServers: 'kafka-0.test:9092',
      topic: 'orders',
      consumerGroup: 'orders',
      lagThreshold: '100',
    });
    expect(trigger.authenticationRef).to.deep.equal({ name: 'consumer-lag', kind: 'TriggerAuthentication' });
    const ta = await get(taPath('consumer-lag'));
    expect(ta.spec.secretTargetRef).to.deep.equal([
      { parameter: 'username', name: 'kafka-creds', key: 'username' },
      { parameter: 'password', name: 'kafka-creds', key: 'password' },
    ]);
    const container = (await get(deploymentPath('consumer'))).spec.template.spec.containers[0];
    expect(container.envFrom).to.deep.equal([{ configMapRef: { name: 'orders-kafka-connection' } }]);
    expect(container.env).to.deep.include({
      name: 'PRISM_BACKEND_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'kafka-creds', key: 'password' } },
    });
    expect(JSON.stringify(container)).to.not.include('hunter2');
  });

  it('lets explicit trigger metadata win over the backend', async () => {
    await create(
      'prismpatterns',
      'PrismPattern',
      'audit',
      consumer('orders-kafka', { bootstrapServers: 'audit-kafka:9092', topic: 'audit' }),
    );
    const so = await eventually(() => tryGet(soPath('audit')), {
      what: 'the ScaledObject',
      timeoutMs: 60_000,
    });
    expect(so.spec.triggers[0].metadata).to.include({ bootstrapServers: 'audit-kafka:9092', topic: 'audit' });
  });

  it("re-reconciles the pattern's ScaledObject and Deployment when the backend changes", async () => {
    const before = await get(deploymentPath('consumer'));
    await patchSpec('prismbackends', 'orders-kafka', {
      connection: { bootstrapServers: ['kafka-0.test:9092', 'kafka-1.test:9092'] },
    });
    await eventually(
      async () =>
        (await get(soPath('consumer'))).spec.triggers[0].metadata.bootstrapServers ===
        'kafka-0.test:9092,kafka-1.test:9092',
      { what: 'the ScaledObject to follow the backend', timeoutMs: 60_000 },
    );
    const after = await eventually(
      async () => {
        const d = await get(deploymentPath('consumer'));
        const checksum = (x: Json) => x.spec.template.metadata.annotations?.[BACKEND_CHECKSUM_ANNOTATION];
        return checksum(d) && checksum(d) !== checksum(before) ? d : undefined;
      },
      { what: 'the pod template to roll with the new connection' },
    );
    expect(after.spec.selector).to.deep.equal(before.spec.selector);
  });

  it('reports BackendNotFound and warns while the backend is missing, then recovers when it appears', async () => {
    await create('prismpatterns', 'PrismPattern', 'late', consumer('late-kafka'));
    const p = await patternWhen('late', (x) => readyReason(x) === 'BackendNotFound', 'BackendNotFound');
    const ready = p.status.conditions.find((c: Json) => c.type === 'Ready');
    expect(ready.status).to.equal('False');
    expect(ready.message).to.include('late-kafka');
    expect(await tryGet(deploymentPath('late'))).to.equal(undefined);
    await eventually(
      async () =>
        ((await get(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).items as Json[]).some(
          (e) => e.type === 'Warning' && e.reason === 'BackendNotFound' && e.regarding.name === 'late',
        ),
      { what: 'a BackendNotFound Warning event' },
    );
    await create('prismbackends', 'PrismBackend', 'late-kafka', kafkaBackend(['late.test:9092']));
    await eventually(() => tryGet(deploymentPath('late')), {
      what: 'the Deployment once the backend exists',
    });
    const so = await eventually(() => tryGet(soPath('late')), {
      what: 'the ScaledObject',
      timeoutMs: 60_000,
    });
    expect(so.spec.triggers[0].metadata.bootstrapServers).to.equal('late.test:9092');
    await patternWhen('late', (x) => readyReason(x) !== 'BackendNotFound', 'no longer BackendNotFound');
  });

  it('leaves existing children untouched when the backend is deleted', async () => {
    const before = await get(deploymentPath('late'));
    await mgr.client.request({ method: 'DELETE', path: prism('prismbackends', 'late-kafka') });
    await patternWhen('late', (x) => readyReason(x) === 'BackendNotFound', 'BackendNotFound');
    const after = await get(deploymentPath('late'));
    expect(after.metadata.generation).to.equal(before.metadata.generation);
    expect(await tryGet(soPath('late'))).to.not.equal(undefined);
  });

  it('writes nothing when everything is reconciled again unchanged', async () => {
    await sleep(1000);
    await mgr.queue.onIdle();
    const writes = await writeRequests(mgr);
    const requests = await counterSum(mgr, 'rest_client_requests_total', (l) => l.method !== 'GET');
    mgr.resyncAll();
    await sleep(200);
    await mgr.queue.onIdle();
    expect((await writeRequests(mgr)) - writes).to.equal(0);
    expect(
      (await counterSum(mgr, 'rest_client_requests_total', (l) => l.method !== 'GET')) - requests,
    ).to.equal(0);
  });
});
