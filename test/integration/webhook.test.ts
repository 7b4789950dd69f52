import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { isNotFound, KubeClient } from '../../src/runtime/kube-client.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { webhookConfigurations } from '../../src/webhook/manifests.js';
import { WebhookServer } from '../../src/webhook/server.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { binDir, crdDir } from '../support/paths.js';
import { eventually } from '../support/wait.js';

type Json = Record<string, any>;

const run = promisify(execFile);
const ADMISSION = '/apis/admissionregistration.k8s.io/v1';
const SECRET = 'prism-operator-webhook-cert';
/** Short enough that the test sees a renewal (after two thirds of it). */
const VALIDITY_MS = 40_000;
const CONFIG_KINDS = {
  ValidatingWebhookConfiguration: 'validatingwebhookconfigurations',
  MutatingWebhookConfiguration: 'mutatingwebhookconfigurations',
} as const;

describe('the admission webhooks', function () {
  this.timeout(180_000);
  let ns: string;
  let configName: string;
  let client: KubeClient;
  let server: WebhookServer;
  let dir: string;
  const testLabel = () => ({ 'prism.io/webhook-test': ns });

  const secret = () =>
    client.request<{ type: string; data: Record<string, string> }>({
      method: 'GET',
      path: `/api/v1/namespaces/${ns}/secrets/${SECRET}`,
    });
  const configuration = (kind: keyof typeof CONFIG_KINDS) =>
    client.request<Json>({ method: 'GET', path: `${ADMISSION}/${CONFIG_KINDS[kind]}/${configName}` });

  /** `kubectl apply -f` of one object; resolves with kubectl's exit status, stdout and stderr. */
  async function apply(
    obj: Json,
    ...flags: string[]
  ): Promise<{ ok: boolean; stdout: string; stderr: string }> {
    const file = join(dir, `${obj.metadata.name as string}-${Date.now()}.yaml`);
    writeFileSync(file, stringify(obj));
    const args = ['--kubeconfig', testEnv().controlPlane.kubeconfigPath, 'apply', '-f', file, ...flags];
    try {
      const { stdout, stderr } = await run(join(binDir, 'kubectl'), args);
      return { ok: true, stdout, stderr };
    } catch (err) {
      const e = err as { stdout?: string; stderr?: string };
      return { ok: false, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  const aPattern = (name: string, triggerMetadata: Json, extra: Json = {}) => ({
    apiVersion: 'prism.io/v1alpha1',
    kind: 'PrismPattern',
    metadata: { name, namespace: ns, labels: testLabel() },
    spec: {
      pattern: 'consumer',
      backend: 'kafka',
      image: 'registry.invalid/prism/consumer:1',
      resources: { requests: { cpu: '100m', memory: '64Mi' } },
      autoscaling: {
        enabled: true,
        scaler: 'keda',
        minReplicas: 1,
        maxReplicas: 5,
        triggers: [{ type: 'kafka', metadata: triggerMetadata }],
        ...extra,
      },
    },
  });
  const kafka = {
    bootstrapServers: 'kafka:9092',
    consumerGroup: 'orders',
    topic: 'orders',
    lagThreshold: '50',
  };
  const { consumerGroup: _omitted, ...kafkaWithoutGroup } = kafka;

  const DENIED =
    'admission webhook "vprismpattern.prism.io" denied the request: PrismPattern orders is invalid: ' +
    'spec.autoscaling.triggers[0].metadata.consumerGroup: is required';

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=30s');
    ns = await newNamespace('whk');
    configName = `prism-webhook-test-${ns}`;
    dir = mkdtempSync(join(tmpdir(), 'prism-webhook-'));
    client = await KubeClient.create(testEnv().kubeConfig);
    server = await WebhookServer.start({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger(),
      certs: {
        rotator: {
          client,
          namespace: ns,
          secretName: SECRET,
          hosts: ['127.0.0.1'],
          validityMs: VALIDITY_MS,
          validatingConfiguration: configName,
          mutatingConfiguration: configName,
          resyncMs: 1_000,
        },
      },
    });
    // The shipped configurations, pointed at this server and scoped to this test's objects,
    // since every test file shares the API server. No caBundle: the operator fills it in.
    const target = { configurationName: configName, service: { name: 'unused', namespace: ns, port: 443 } };
    for (const config of webhookConfigurations(target)) {
      const webhooks = (config.webhooks as Json[]).map((w) => ({
        ...w,
        clientConfig: {
          url: `https://127.0.0.1:${server.address.port}${w.clientConfig.service.path as string}`,
        },
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': ns } },
        objectSelector: { matchLabels: testLabel() },
      }));
      const plural = CONFIG_KINDS[config.kind as keyof typeof CONFIG_KINDS];
      await client.request({ method: 'POST', path: `${ADMISSION}/${plural}`, body: { ...config, webhooks } });
    }
  });

  after(async () => {
    for (const plural of Object.values(CONFIG_KINDS)) {
      await client
        .request({ method: 'DELETE', path: `${ADMISSION}/${plural}/${configName}` })
        .catch((err: unknown) => {
          if (!isNotFound(err)) throw err;
        });
    }
    await server.stop();
    client.close();
  });

  it('stores its certificate in a Secret and fills caBundle of both configurations with its CA', async () => {
    const s = await secret();
    expect(s.type).to.equal('kubernetes.io/tls');
    const cert = new X509Certificate(Buffer.from(s.data['tls.crt'] ?? '', 'base64'));
    expect(cert.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    for (const kind of ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'] as const) {
      await eventually(
        async () => {
          const bundle = (await secret()).data['ca.crt'];
          const webhooks = (await configuration(kind)).webhooks as Json[];
          return webhooks.every((w) => w.clientConfig.caBundle === bundle);
        },
        { timeoutMs: 30_000, what: `caBundle of the ${kind}` },
      );
    }
  });

  it('rejects at kubectl apply a PrismPattern whose KEDA trigger lacks required metadata, naming the field', async () => {
    // The API server picks up new webhook configurations asynchronously.
    const result = await eventually(
      async () => {
        const r = await apply(aPattern('orders', kafkaWithoutGroup));
        return !r.ok && r.stderr.includes('denied the request') ? r : undefined;
      },
      { timeoutMs: 60_000, what: 'the webhook to deny the pattern' },
    );
    expect(result.stderr).to.include(DENIED);
    expect(result.stderr).to.include('set metadata.consumerGroup or consumerGroupFromEnv');
    const found = await kubectl('get', 'prismpatterns', '-n', ns, '-o', 'name');
    expect(found.trim()).to.equal('');
  });

  it('admits a valid PrismPattern with its defaults applied and warnings for ignored settings', async () => {
    const pattern = aPattern('orders', kafka, { targetCPUUtilizationPercentage: 50 });
    // Wait for the defaulting webhook too (a server-side dry run goes through admission and stores nothing).
    await eventually(
      async () => {
        const r = await apply(pattern, '--dry-run=server', '-o', 'json');
        return r.ok && (JSON.parse(r.stdout) as Json).spec.autoscaling.triggers[0].name === 'kafka-0';
      },
      { timeoutMs: 60_000, what: 'the defaulting webhook to name the trigger' },
    );
    const result = await apply(pattern);
    expect(result.ok, result.stderr).to.equal(true);
    expect(result.stderr).to.include(
      'Warning: spec.autoscaling.targetCPUUtilizationPercentage: is ignored by the keda engine',
    );
    const stored = JSON.parse(await kubectl('get', 'prismpattern', 'orders', '-n', ns, '-o', 'json')) as Json;
    expect(stored.spec.autoscaling.triggers[0].name).to.equal('kafka-0');
    // Schema defaults stay the API server's.
    expect(stored.spec.replicas).to.equal(1);
  });

  it('renews the certificate in the Secret before it expires, serves the new one and keeps admitting', async () => {
    const before = new X509Certificate(Buffer.from((await secret()).data['tls.crt'] ?? '', 'base64'));
    const expires = new Date(before.validTo);
    const renewed = await eventually(
      async () => {
        const pem = Buffer.from((await secret()).data['tls.crt'] ?? '', 'base64');
        const cert = new X509Certificate(pem);
        return cert.fingerprint256 !== before.fingerprint256 ? { cert, seenAt: new Date() } : undefined;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: 'the certificate to be renewed' },
    );
    expect(renewed.seenAt.getTime()).to.be.lessThan(expires.getTime());
    expect(new Date(renewed.cert.validTo).getTime()).to.be.greaterThan(expires.getTime());
    // The running server switched to it without a restart.
    await eventually(
      async () => {
        const served = await new Promise<Buffer>((resolve, reject) => {
          const socket = connect(
            { host: '127.0.0.1', port: server.address.port, rejectUnauthorized: false },
            () => {
              resolve(socket.getPeerCertificate().raw);
              socket.end();
            },
          );
          socket.once('error', reject);
        });
        return served.equals(renewed.cert.raw);
      },
      { timeoutMs: 30_000, what: 'the server to serve the renewed certificate' },
    );
    // And the API server trusts it: caBundle followed.
    await eventually(
      async () => {
        const r = await apply(aPattern('orders', kafkaWithoutGroup));
        return !r.ok && r.stderr.includes(DENIED);
      },
      { timeoutMs: 60_000, what: 'the webhook to deny again after renewal' },
    );
  });

  it('fails closed for Prism kinds only: with the operator down, a ConfigMap is still created', async () => {
    await server.stop();
    const refused = await eventually(
      async () => {
        const r = await apply(aPattern('payments', kafka));
        return !r.ok && r.stderr.includes('failed calling webhook') ? r : undefined;
      },
      { timeoutMs: 60_000, what: 'the Prism kinds to be refused while the webhook is down' },
    );
    // The defaulting webhook is called first, so it is the one that fails.
    expect(refused.stderr).to.match(/failed calling webhook "mprismpattern\.prism\.io"/);
    const configMap = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'settings', namespace: ns, labels: testLabel() },
      data: { mode: 'fast' },
    };
    const result = await apply(configMap);
    expect(result.ok, result.stderr).to.equal(true);
    expect(await kubectl('get', 'configmap', 'settings', '-n', ns, '-o', 'jsonpath={.data.mode}')).to.equal(
      'fast',
    );
  });
});
