import { expect } from 'chai';
import { join } from 'node:path';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { CONTENT_TYPE, isNotFound } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl, newNamespace } from '../support/env.js';
import { installKedaCrds, uninstallKedaCrds } from '../support/keda.js';
import { counterSum, testManager, writeRequests } from '../support/manager.js';
import { crdDir } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';

type Json = Record<string, any>;

const PATTERNS = (ns: string) => `/apis/prism.io/v1alpha1/namespaces/${ns}/prismpatterns`;

describe('the PrismPattern reconciler', function () {
  this.timeout(90_000);
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
  const deploymentPath = (name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;
  const servicePath = (name: string) => `/api/v1/namespaces/${ns}/services/${name}`;
  const configMapPath = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const pdbPath = (name: string) => `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/${name}`;
  const hpaPath = (name: string) => `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/${name}`;
  const soPath = (name: string) => `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects/${name}`;
  const patternPath = (name: string) => `${PATTERNS(ns)}/${name}`;

  const create = (name: string, spec: Json) =>
    mgr.client.request({
      method: 'POST',
      path: PATTERNS(ns),
      body: { apiVersion: 'prism.io/v1alpha1', kind: 'PrismPattern', metadata: { name }, spec },
    });
  const patchSpec = (name: string, spec: Json) =>
    mgr.client.request({
      method: 'PATCH',
      path: patternPath(name),
      body: { spec },
      contentType: CONTENT_TYPE.mergePatch,
    });
  const condition = (p: Json, type: string) =>
    (p.status?.conditions ?? []).find((c: Json) => c.type === type);
  const reconciled = (name: string) =>
    eventually(
      async () => {
        const p = await get(patternPath(name));
        return p.status?.observedGeneration === p.metadata.generation ? p : undefined;
      },
      { what: `PrismPattern ${name} to be reconciled` },
    );
  const warnings = async (reason: string) =>
    (await get(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).items.filter(
      (e: Json) => e.type === 'Warning' && e.reason === reason,
    );

  const base = { pattern: 'consumer', backend: 'kafka', image: 'registry.invalid/prism/consumer:1' };

  before(async () => {
    // PrismNamespaces too: the pattern controller watches their tenant policies.
    await kubectl(
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      join(crdDir, 'prism.io_prismpatterns.yaml'),
      // Patterns watch the PrismBackends they may bind to.
      '-f',
      join(crdDir, 'prism.io_prismbackends.yaml'),
      '-f',
      join(crdDir, 'prism.io_prismnamespaces.yaml'),
    );
    await kubectl(
      'wait',
      '--for=condition=Established',
      'crd/prismpatterns.prism.io',
      'crd/prismbackends.prism.io',
      'crd/prismnamespaces.prism.io',
      '--timeout=30s',
    );
    await installKedaCrds(kubectl);
    ns = await newNamespace('ppat');
    mgr = await testManager();
    setupPrismPattern(mgr);
    await mgr.start();
  });

  after(async () => {
    await mgr.stop();
  });

  it('creates the Deployment, Service, ConfigMap and PDB it owns, and reports status and events', async () => {
    await create('orders', {
      ...base,
      replicas: 2,
      config: { 'runner.yaml': 'batch: 10\n' },
      service: { port: 9090 },
      disruption: { minAvailable: 1 },
    });
    const p = await reconciled('orders');
    const d = await get(deploymentPath('orders'));
    expect(d.spec.replicas).to.equal(2);
    expect(d.metadata.ownerReferences[0]).to.include({
      kind: 'PrismPattern',
      name: 'orders',
      controller: true,
    });
    expect(d.metadata.labels['app.kubernetes.io/managed-by']).to.equal('prism-operator');
    expect((await get(servicePath('orders'))).spec.ports[0]).to.include({ port: 9090, targetPort: 9090 });
    expect((await get(configMapPath('orders-config'))).data).to.deep.equal({ 'runner.yaml': 'batch: 10\n' });
    expect((await get(pdbPath('orders'))).spec.minAvailable).to.equal(1);
    // No nodes exist, so the pods stay Pending: the pattern is honestly not ready yet.
    expect(p.status.phase).to.be.oneOf(['Pending', 'Progressing']);
    expect(condition(p, 'Ready')).to.include({ status: 'False' });
    expect(condition(p, 'ScalerReady')).to.include({ status: 'True', reason: 'AutoscalingDisabled' });
    // One event tells everything the first reconcile created (not one event, and one series patch, per child).
    const created = await eventually(
      async () => {
        const events = (await get(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).items as Json[];
        const found = events.filter((e) => e.reason === 'Created' && e.regarding.name === 'orders');
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000, what: 'the Created event' },
    );
    expect(created).to.have.length(1);
    expect(created[0]!.note).to.equal(
      'created ConfigMap orders-config, Deployment orders, Service orders, PodDisruptionBudget orders',
    );
    expect(created[0]!.series).to.equal(undefined);
  });

  it('accepts edits to pattern and backend (the selector never changes) and rolls pods on config changes', async () => {
    const before = await get(deploymentPath('orders'));
    await patchSpec('orders', {
      pattern: 'producer',
      backend: 'nats',
      config: { 'runner.yaml': 'batch: 20\n' },
    });
    await reconciled('orders');
    const after = await eventually(async () => {
      const d = await get(deploymentPath('orders'));
      return d.spec.template.metadata.labels['prism.io/pattern'] === 'producer' ? d : undefined;
    });
    expect(after.spec.selector).to.deep.equal(before.spec.selector);
    const checksum = (d: Json) => d.spec.template.metadata.annotations['prism.io/config-checksum'];
    expect(checksum(after)).to.be.a('string').and.not.equal(checksum(before));
  });

  it('removes the Service and the PDB when their fields are removed', async () => {
    await patchSpec('orders', { service: null, disruption: null });
    await eventually(
      async () => !(await tryGet(servicePath('orders'))) && !(await tryGet(pdbPath('orders'))),
      {
        what: 'the Service and PDB to be deleted',
      },
    );
    expect(await tryGet(deploymentPath('orders'))).to.not.equal(undefined);
  });

  it('creates an HPA and never writes spec.replicas while it scales the Deployment', async () => {
    await create('web', {
      ...base,
      resources: { requests: { cpu: '100m' } },
      autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 },
    });
    const hpa = await eventually(() => tryGet(hpaPath('web')), { what: 'the HPA' });
    expect(hpa.spec).to.deep.include({ minReplicas: 2, maxReplicas: 6 });
    expect(hpa.spec.scaleTargetRef).to.deep.equal({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    expect(hpa.spec.metrics[0].resource).to.deep.equal({
      name: 'cpu',
      target: { type: 'Utilization', averageUtilization: 70 },
    });
    // Someone else (the HPA controller, here simulated) sets the replicas.
    await mgr.client.request({
      method: 'PATCH',
      path: `${deploymentPath('web')}/scale`,
      body: { spec: { replicas: 5 } },
      contentType: CONTENT_TYPE.mergePatch,
    });
    mgr.resyncAll();
    await sleep(500);
    await mgr.queue.onIdle();
    const d = await get(deploymentPath('web'));
    expect(d.spec.replicas).to.equal(5);
    const ours = (d.metadata.managedFields as Json[]).find((m) => m.manager === 'prism-operator');
    expect(ours, 'prism-operator manages fields of the Deployment').to.not.equal(undefined);
    expect(JSON.stringify(ours!.fieldsV1['f:spec'])).not.to.include('f:replicas');
  });

  it('switches HPA → KEDA → HPA → off without two autoscalers at once, and restores replicas when off', async () => {
    const both: string[] = [];
    const sampling = { on: true };
    const sampler = (async () => {
      while (sampling.on) {
        const [h, s] = await Promise.all([tryGet(hpaPath('web')), tryGet(soPath('web'))]);
        if (h && s) both.push(new Date().toISOString());
        await sleep(20);
      }
    })();
    const kafka = {
      type: 'kafka',
      metadata: { bootstrapServers: 'kafka:9092', consumerGroup: 'web', topic: 'orders', lagThreshold: 50 },
    };
    await patchSpec('web', {
      autoscaling: {
        scaler: 'keda',
        minReplicas: 1,
        triggers: [kafka],
        targetCPUUtilizationPercentage: null,
      },
    });
    const so = await eventually(() => tryGet(soPath('web')), { what: 'the ScaledObject' });
    expect(await tryGet(hpaPath('web'))).to.equal(undefined);
    expect(so.spec.triggers[0].metadata.lagThreshold).to.equal('50');
    expect(so.spec).to.deep.include({ minReplicaCount: 1, maxReplicaCount: 6 });
    const withKeda = await eventually(async () => {
      const p = await get(patternPath('web'));
      return p.status?.scaler?.engine === 'keda' ? p : undefined;
    });
    expect(withKeda.status.scaler).to.deep.include({
      objectName: 'web',
      currentReplicas: 5,
      desiredReplicas: 5,
    });

    await patchSpec('web', {
      autoscaling: { scaler: 'hpa', triggers: null, targetCPUUtilizationPercentage: 60 },
    });
    await eventually(async () => (await tryGet(hpaPath('web'))) && !(await tryGet(soPath('web'))), {
      what: 'the HPA to replace the ScaledObject',
    });

    await patchSpec('web', { replicas: 3, autoscaling: { enabled: false } });
    await eventually(
      async () => !(await tryGet(hpaPath('web'))) && (await get(deploymentPath('web'))).spec.replicas === 3,
      { what: 'the HPA to go and spec.replicas to come back' },
    );
    sampling.on = false;
    await sampler;
    expect(both, 'moments when an HPA and a ScaledObject both existed').to.deep.equal([]);
  });

  it('marks a spec that passes the schema but is still wrong Invalid, warns, and leaves the children as they were', async () => {
    await create('badtrigger', { ...base, replicas: 1 });
    await reconciled('badtrigger');
    const before = await get(deploymentPath('badtrigger'));
    await patchSpec('badtrigger', {
      replicas: 4,
      autoscaling: {
        enabled: true,
        scaler: 'keda',
        maxReplicas: 3,
        triggers: [
          {
            type: 'kafka',
            metadata: { bootstrapServers: 'k:9092', consumerGroup: 'g', lagThreshold: 'lots' },
          },
        ],
      },
    });
    const p = await reconciled('badtrigger');
    expect(p.status.phase).to.equal('Invalid');
    expect(condition(p, 'Ready')).to.include({ status: 'False' });
    expect(condition(p, 'Ready').message).to.include('lagThreshold');
    await eventually(async () => (await warnings(condition(p, 'Ready').reason)).length > 0, {
      what: 'a Warning event',
    });
    const after = await get(deploymentPath('badtrigger'));
    // The generation moves only on spec writes (status updates by the controller manager do not count).
    expect(after.metadata.generation).to.equal(before.metadata.generation);
    expect(after.spec.replicas).to.equal(1, 'the invalid spec asked for 4 replicas; nothing was applied');
    expect(await tryGet(soPath('badtrigger'))).to.equal(undefined);
  });

  it('keeps the workload running without KEDA, reports KEDANotInstalled, and recovers when KEDA arrives', async () => {
    await uninstallKedaCrds(kubectl);
    try {
      await create('nokeda', {
        ...base,
        autoscaling: {
          enabled: true,
          scaler: 'keda',
          minReplicas: 1,
          maxReplicas: 3,
          triggers: [
            {
              type: 'cron',
              metadata: { timezone: 'UTC', start: '0 8 * * *', end: '0 18 * * *', desiredReplicas: 2 },
            },
          ],
        },
      });
      const p = await reconciled('nokeda');
      expect(condition(p, 'ScalerReady')).to.include({ status: 'False', reason: 'KEDANotInstalled' });
      expect(await tryGet(deploymentPath('nokeda'))).to.not.equal(undefined);
    } finally {
      await installKedaCrds(kubectl);
    }
    mgr.enqueue(`PrismPattern/${ns}/nokeda`);
    await eventually(() => tryGet(soPath('nokeda')), {
      what: 'the ScaledObject once KEDA is installed',
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

  it('leaves the garbage collector to remove every child when the pattern is deleted', async () => {
    await mgr.client.request({ method: 'DELETE', path: patternPath('orders') });
    await eventually(
      async () =>
        !(await tryGet(deploymentPath('orders'))) && !(await tryGet(configMapPath('orders-config'))),
      { what: 'the children to be garbage-collected', timeoutMs: 60_000 },
    );
  });
});
