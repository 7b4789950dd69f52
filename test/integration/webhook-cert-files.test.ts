import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { silentLogger } from '../../src/runtime/logger.js';
import { createCA, issueCert, type KeyPairPem } from '../../src/runtime/pki.js';
import { WebhookServer } from '../../src/webhook/server.js';
import { eventually } from '../support/wait.js';

// The cert-manager mode: the operator serves tls.crt/tls.key from a directory and
// picks up rotated files without a restart. No API server is involved.
describe('the webhook server with a certificate directory', function () {
  this.timeout(60_000);
  let dir: string;
  let server: WebhookServer;
  let caPem: string;

  async function issue(): Promise<KeyPairPem> {
    const ca = await createCA('cert-manager-test-ca');
    caPem = ca.certPem;
    return issueCert(ca, { commonName: '127.0.0.1', usage: 'server', ipAddresses: ['127.0.0.1'] });
  }
  const write = (pair: KeyPairPem) => {
    writeFileSync(join(dir, 'tls.crt'), pair.certPem);
    writeFileSync(join(dir, 'tls.key'), pair.keyPem);
  };
  const servedCert = () =>
    new Promise<Buffer>((resolve, reject) => {
      const socket = connect(
        { host: '127.0.0.1', port: server.address.port, rejectUnauthorized: false },
        () => {
          resolve(socket.getPeerCertificate().raw);
          socket.end();
        },
      );
      socket.once('error', reject);
    });
  const post = (path: string, body: unknown) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.address.port, path, method: 'POST', ca: caPem },
        (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => {
            const json = res.headers['content-type'] === 'application/json';
            resolve({ status: res.statusCode ?? 0, body: json ? JSON.parse(text) : text });
          });
        },
      );
      req.once('error', reject);
      req.end(JSON.stringify(body));
    });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prism-webhook-certs-'));
    write(await issue());
    server = await WebhookServer.start({
      host: '127.0.0.1',
      port: 0,
      log: silentLogger(),
      certs: { dir, pollMs: 100 },
    });
  });

  after(() => server.stop());

  it('answers AdmissionReviews over HTTPS with the mounted certificate, and refuses anything else', async () => {
    const review = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u-1',
        kind: { group: 'prism.io', version: 'v1alpha1', kind: 'PrismPattern' },
        resource: { group: 'prism.io', version: 'v1alpha1', resource: 'prismpatterns' },
        operation: 'CREATE',
        name: 'orders',
        object: {
          apiVersion: 'prism.io/v1alpha1',
          kind: 'PrismPattern',
          metadata: { name: 'orders' },
          spec: { pattern: 'consumer', backend: 'kafka', image: 'c:1', replicas: -1 },
        },
      },
    };
    const answer = await post('/validate-prism-io-v1alpha1-prismpattern', review);
    expect(answer.status).to.equal(200);
    expect(answer.body.response).to.deep.include({ uid: 'u-1', allowed: false });
    expect(answer.body.response.status.message).to.include('spec.replicas: must be >= 0');
    expect((await post('/validate-prism-io-v1alpha1-prismpattern', { kind: 'Pod' })).status).to.equal(400);
    expect((await post('/validate-core-v1-pod', review)).status).to.equal(404);
  });

  it('serves rotated files without a restart', async () => {
    const next = await issue();
    write(next);
    const expected = new X509Certificate(next.certPem).raw;
    await eventually(async () => (await servedCert()).equals(expected), {
      what: 'the rotated certificate to be served',
    });
  });
});
