import { expect } from 'chai';
import { isLoopbackHost, loopbackOnly, type Probe } from '../../src/controllers/backend-probe.js';

describe('loopback-only backend probes', () => {
  const calls: string[] = [];
  const inner: Probe = (address) => {
    calls.push(address);
    return Promise.resolve({ address, reachable: true, latencyMs: 1 });
  };
  beforeEach(() => (calls.length = 0));

  it('probes 127.0.0.0/8, ::1 and localhost', async () => {
    const probe = loopbackOnly(inner);
    for (const address of ['127.0.0.1:9092', '127.1.2.3:6379', 'localhost:5432', '[::1]:4222']) {
      expect((await probe(address, { timeoutMs: 100 })).reachable, address).to.equal(true);
    }
    expect(calls).to.have.length(4);
  });

  it('never dials or resolves any other address, and says why it was not probed', async () => {
    const probe = loopbackOnly(inner);
    for (const address of ['kafka.prism-samples.svc:9092', '10.0.0.7:6379', 'example.com:443']) {
      const result = await probe(address, { timeoutMs: 100 });
      expect(result.reachable).to.equal(false);
      expect(result.error).to.match(/not probed: .*loopback addresses only/);
    }
    expect(calls).to.deep.equal([]);
  });

  it('recognises loopback hosts', () => {
    expect(['localhost', 'LOCALHOST', '127.0.0.1', '::1'].every(isLoopbackHost)).to.equal(true);
    expect(['128.0.0.1', 'localhost.example', '0.0.0.0'].some(isLoopbackHost)).to.equal(false);
  });
});
