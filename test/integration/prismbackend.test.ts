import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createServer as createTlsServer } from 'node:tls';
import { setupPrismBackend, type PrismBackendReconciler } from '../../src/controllers/prismbackend.js';
import { CONTENT_TYPE, isNotFound } from '../../src/runtime/kube-client.js';
import { createLogger } from '../../src/runtime/logger.js';
import type { Manager } from '../../src/runtime/manager.js';
import { createCA, issueCert } from '../../src/runtime/pki.js';
import { kubectl, newNamespace } from '../support/env.js';
import { counterSum, testManager, writeRequests } from '../support/manager.js';
import { crdDir } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';

type Json = Record<string, any>;

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
  );

/** A port nothing listens on: bound once, then closed. */
async function closedPort(): Promise<number> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((r) => server.close(r));
  return port;
}

describe('the PrismBackend reconciler', function () {
  this.timeout(120_000);
  let ns: string;
  let mgr: Manager;
  let reconciler: PrismBackendReconciler;
  let tcp: Server;
  let tcpPort: number;
  const logs: string[] = [];
  // A value that must never leave the Secret.
  const SECRET_VALUE = `s3cret-${randomBytes(8).toString('hex')}`;

  const get = (path: string) => mgr.client.request<Json>({ method: 'GET', path });
  const tryGet = async (path: string): Promise<Json | undefined> => {
    try {
      return await get(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const backends = () => `/apis/prism.io/v1alpha1/namespaces/${ns}/prismbackends`;
  const backendPath = (name: string) => `${backends()}/${name}`;
  const configMapPath = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const createBackend = (name: string, spec: Json) =>
    mgr.client.request({
      method: 'POST',
      path: backends(),
      body: { apiVersion: 'prism.io/v1alpha1', kind: 'PrismBackend', metadata: { name }, spec },
    });
  const patchBackend = (name: string, spec: Json) =>
    mgr.client.request({
      method: 'PATCH',
      path: backendPath(name),
      body: { spec },
      contentType: CONTENT_TYPE.mergePatch,
    });
  const createSecret = (name: string, data: Record<string, string>) =>
    mgr.client.request({
      method: 'POST',
      path: `/api/v1/namespaces/${ns}/secrets`,
      body: { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: data },
    });
  const condition = (o: Json, type: string) =>
    (o.status?.conditions ?? []).find((c: Json) => c.type === type);
  /** The backend once its status describes the current generation and `check` holds. */
  const backendWhen = (name: string, check: (b: Json) => boolean, what: string) =>
    eventually(
      async () => {
        const b = await get(backendPath(name));
        return b.status?.observedGeneration === b.metadata.generation && check(b) ? b : undefined;
      },
      { what: `PrismBackend ${name}: ${what}`, timeoutMs: 60_000 },
    );
  const events = async (name: string) =>
    ((await get(`/apis/events.k8s.io/v1/namespaces/${ns}/events`)).items as Json[]).filter(
      (e) => e.regarding?.name === name,
    );
  const fastHealth = { interval: '1s', timeout: '500ms' };

  before(async () => {
    await kubectl(
      'apply',
      '--server-side',
      '--force-conflicts',
      '-f',
      join(crdDir, 'prism.io_prismbackends.yaml'),
    );
    await kubectl('wait', '--for=condition=Established', 'crd/prismbackends.prism.io', '--timeout=30s');
    ns = await newNamespace('pbe');
    tcp = createServer((s) => s.end());
    tcpPort = await listen(tcp);
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logs.push(chunk.toString('utf8'));
        done();
      },
    });
    mgr = await testManager({}, { logger: createLogger({ level: 'debug', stream: sink }) });
    reconciler = setupPrismBackend(mgr, { loopbackOnly: true });
    await mgr.start();
  });

  after(async () => {
    reconciler.stop();
    await mgr.stop();
    tcp.close();
  });

  it('publishes an owned ConfigMap, probes every endpoint, and reports Ready with per-endpoint results', async () => {
    await createBackend('orders-kafka', {
      provider: 'kafka',
      connection: { bootstrapServers: [`127.0.0.1:${tcpPort}`], topic: 'orders' },
      healthCheck: fastHealth,
    });
    const b = await backendWhen('orders-kafka', (x) => x.status.phase === 'Ready', 'Ready');
    expect(b.status).to.deep.include({ healthy: true, connectionConfigMap: 'orders-kafka-connection' });
    expect(b.status.lastChecked).to.be.a('string');
    expect(b.status.endpoints).to.have.length(1);
    expect(b.status.endpoints[0]).to.include({ address: `127.0.0.1:${tcpPort}`, reachable: true });
    expect(b.status.endpoints[0].latencyMs).to.be.a('number');
    expect(condition(b, 'Ready')).to.include({ status: 'True', reason: 'ConnectionPublished' });
    expect(condition(b, 'BackendReachable')).to.include({ status: 'True', reason: 'Reachable' });
    const cm = await get(configMapPath('orders-kafka-connection'));
    expect(cm.data).to.include({
      PRISM_BACKEND_PROVIDER: 'kafka',
      PRISM_BACKEND_BOOTSTRAP_SERVERS: `127.0.0.1:${tcpPort}`,
      PRISM_BACKEND_TOPIC: 'orders',
    });
    expect(cm.metadata.labels['app.kubernetes.io/managed-by']).to.equal('prism-operator');
    expect(cm.metadata.ownerReferences[0]).to.include({
      kind: 'PrismBackend',
      name: 'orders-kafka',
      controller: true,
    });
    await eventually(async () => (await events('orders-kafka')).some((e) => e.reason === 'Created'), {
      what: 'a Created event',
    });
  });

  it('updates the ConfigMap when the connection changes', async () => {
    await patchBackend('orders-kafka', { connection: { topic: 'payments' } });
    await eventually(
      async () =>
        (await get(configMapPath('orders-kafka-connection'))).data.PRISM_BACKEND_TOPIC === 'payments',
      { what: 'the ConfigMap to follow the spec' },
    );
  });

  it('reports a closed port Unreachable with the reason, and warns', async () => {
    const port = await closedPort();
    await createBackend('gone', {
      provider: 'tcp',
      connection: { endpoints: [`127.0.0.1:${port}`] },
      healthCheck: fastHealth,
    });
    const b = await backendWhen('gone', (x) => x.status.phase === 'Unreachable', 'Unreachable');
    expect(b.status.healthy).to.equal(false);
    expect(b.status.endpoints[0]).to.include({ reachable: false });
    expect(b.status.endpoints[0].error).to.include('ECONNREFUSED');
    expect(condition(b, 'Ready')).to.include({ status: 'False', reason: 'Unreachable' });
    expect(condition(b, 'BackendReachable').message).to.include('ECONNREFUSED');
    await eventually(
      async () => (await events('gone')).some((e) => e.type === 'Warning' && e.reason === 'Unreachable'),
      { what: 'a Warning event' },
    );
  });

  it('notices on a later probe that its server went away, with no spec change', async () => {
    const server = createServer((s) => s.end());
    const port = await listen(server);
    try {
      await patchBackend('gone', { connection: { endpoints: [`127.0.0.1:${port}`] } });
      await backendWhen('gone', (x) => x.status.healthy === true, 'healthy');
      server.close();
      // The next probe finds the port closed and re-queues the backend.
      await backendWhen('gone', (x) => x.status.healthy === false, 'unhealthy again after the server went');
    } finally {
      server.close();
    }
  });

  it('checks TLS backends with a handshake against the CA from a Secret', async () => {
    const ca = await createCA('backend-test-ca');
    const cert = await issueCert(ca, { commonName: 'backend', ipAddresses: ['127.0.0.1'], usage: 'server' });
    const server = createTlsServer({ cert: cert.certPem, key: cert.keyPem }, (s) => s.end());
    const port = await listen(server);
    try {
      await createSecret('tls-ca', { 'ca.crt': ca.certPem });
      await createBackend('secure', {
        provider: 'tcp',
        connection: { endpoints: [`127.0.0.1:${port}`] },
        tls: { caSecretRef: { name: 'tls-ca' } },
        healthCheck: fastHealth,
      });
      await backendWhen('secure', (x) => x.status.healthy === true, 'healthy over TLS');
      // Without the CA the server's certificate is not trusted: the handshake fails.
      await patchBackend('secure', { tls: { caSecretRef: null } });
      const b = await backendWhen('secure', (x) => x.status.healthy === false, 'untrusted certificate');
      expect(b.status.endpoints[0].error).to.match(/certificate/i);
    } finally {
      server.close();
    }
  });

  it('reports SecretNotFound, then SecretKeyMissing, then Ready, and warns for each', async () => {
    await createBackend('cache', {
      provider: 'redis',
      connection: { endpoints: [`127.0.0.1:${tcpPort}`] },
      secretRef: { name: 'cache-creds', keys: { password: 'password' } },
      healthCheck: fastHealth,
    });
    let b = await backendWhen(
      'cache',
      (x) => condition(x, 'Ready')?.reason === 'SecretNotFound',
      'SecretNotFound',
    );
    expect(b.status.phase).to.equal('Invalid');
    expect(condition(b, 'Ready').message).to.include('cache-creds');
    await createSecret('cache-creds', { pass: SECRET_VALUE });
    b = await backendWhen(
      'cache',
      (x) => condition(x, 'Ready')?.reason === 'SecretKeyMissing',
      'SecretKeyMissing',
    );
    expect(condition(b, 'Ready').message).to.include('"password"');
    await mgr.client.request({
      method: 'PATCH',
      path: `/api/v1/namespaces/${ns}/secrets/cache-creds`,
      body: { stringData: { password: SECRET_VALUE } },
      contentType: CONTENT_TYPE.mergePatch,
    });
    b = await backendWhen('cache', (x) => x.status.phase === 'Ready', 'Ready once the key exists');
    expect(condition(b, 'Ready')).to.include({ status: 'True', reason: 'ConnectionPublished' });
    await eventually(
      async () => {
        const warned = (await events('cache')).filter((e) => e.type === 'Warning').map((e) => e.reason);
        return warned.includes('SecretNotFound') && warned.includes('SecretKeyMissing');
      },
      { what: 'Warning events SecretNotFound and SecretKeyMissing' },
    );
  });

  it('never puts a Secret value in status, events or logs, and caches no Secret value', async () => {
    const statuses = JSON.stringify((await get(backends())).items.map((b: Json) => b.status));
    const allEvents = JSON.stringify(await get(`/apis/events.k8s.io/v1/namespaces/${ns}/events`));
    const encoded = Buffer.from(SECRET_VALUE).toString('base64');
    expect(logs.length, 'the logger captured the reconciles').to.be.greaterThan(0);
    for (const [where, text] of [
      ['status', statuses],
      ['events', allEvents],
      ['logs', logs.join('')],
      ['the Secret cache', JSON.stringify(mgr.cache('backend-secrets').list())],
    ] as const) {
      expect(text, where).to.not.include(SECRET_VALUE);
      expect(text, where).to.not.include(encoded);
    }
  });

  it('stops probing when the health check is disabled or the backend deleted; GC removes the ConfigMap', async () => {
    await patchBackend('orders-kafka', { healthCheck: { enabled: false } });
    const b = await backendWhen(
      'orders-kafka',
      (x) => x.status.healthy === undefined,
      'health fields cleared',
    );
    expect(condition(b, 'BackendReachable')).to.include({ status: 'Unknown', reason: 'HealthCheckDisabled' });
    expect(b.status.phase).to.equal('Ready');
    expect(reconciler.prober.probing()).to.not.include(`PrismBackend/${ns}/orders-kafka`);

    expect(reconciler.prober.probing()).to.include(`PrismBackend/${ns}/gone`);
    await mgr.client.request({ method: 'DELETE', path: backendPath('gone') });
    await eventually(() => !reconciler.prober.probing().includes(`PrismBackend/${ns}/gone`), {
      what: 'probes of the deleted backend to stop',
    });
    await eventually(async () => !(await tryGet(configMapPath('gone-connection'))), {
      what: 'the ConfigMap to be garbage-collected',
      timeoutMs: 60_000,
    });
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
