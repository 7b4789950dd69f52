import { expect } from 'chai';
import { createServer, type Server } from 'node:net';
import { createServer as createTlsServer } from 'node:tls';
import { probeEndpoint } from '../../src/controllers/backend-probe.js';
import { createCA, issueCert } from '../../src/runtime/pki.js';

describe('probing an endpoint', function () {
  this.timeout(20_000);
  const listen = (server: Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );

  it('connects to a listening TCP port and measures the latency', async () => {
    const server = createServer((s) => s.end());
    const port = await listen(server);
    try {
      const r = await probeEndpoint(`127.0.0.1:${port}`, { timeoutMs: 2000 });
      expect(r).to.include({ address: `127.0.0.1:${port}`, reachable: true });
      expect(r.latencyMs).to.be.a('number');
    } finally {
      server.close();
    }
  });

  it('reports a closed port as unreachable with the reason', async () => {
    const server = createServer();
    const port = await listen(server);
    server.close();
    const r = await probeEndpoint(`127.0.0.1:${port}`, { timeoutMs: 2000 });
    expect(r.reachable).to.equal(false);
    expect(r.error).to.include('ECONNREFUSED');
  });

  it('completes a TLS handshake against a certificate signed by the given CA, and fails without it', async () => {
    const ca = await createCA('test-ca');
    const cert = await issueCert(ca, { commonName: 'backend', ipAddresses: ['127.0.0.1'], usage: 'server' });
    const server = createTlsServer({ cert: cert.certPem, key: cert.keyPem }, (s) => s.end());
    const port = await listen(server);
    try {
      const ok = await probeEndpoint(`127.0.0.1:${port}`, { timeoutMs: 3000, tls: { ca: ca.certPem } });
      expect(ok.reachable, ok.error).to.equal(true);
      const untrusted = await probeEndpoint(`127.0.0.1:${port}`, { timeoutMs: 3000, tls: {} });
      expect(untrusted.reachable).to.equal(false);
      expect(untrusted.error).to.match(/certificate/i);
    } finally {
      server.close();
    }
  });
});
