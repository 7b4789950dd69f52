import { expect } from 'chai';
import {
  decideBackendPhase,
  decideReachability,
  healthSignature,
  type EndpointResult,
  type ReachabilityInput,
} from '../../src/controllers/backend-health.js';
import { BackendProber } from '../../src/controllers/backend-prober.js';
import { secretKeysOnly, secretProblem } from '../../src/controllers/backend-secrets.js';
import { probePlan } from '../../src/controllers/prismbackend.js';
import { eventually, sleep } from '../support/wait.js';
import { aBackend } from './backend-fixtures.js';

const up = (address: string): EndpointResult => ({ address, reachable: true, latencyMs: 1 });
const down = (address: string, error = 'connect ECONNREFUSED'): EndpointResult => ({
  address,
  reachable: false,
  error,
});
const probed = (...endpoints: EndpointResult[]): ReachabilityInput => ({
  enabled: true,
  addresses: endpoints.length,
  snapshot: { checkedAt: '2026-11-23T18:00:00Z', endpoints },
});

describe('is this backend reachable? (BackendReachable)', () => {
  const cases: [string, ReachabilityInput, string, string][] = [
    ['health check disabled', { enabled: false, addresses: 1 }, 'Unknown', 'HealthCheckDisabled'],
    ['address only in the Secret', { enabled: true, addresses: 0 }, 'Unknown', 'NoProbeAddress'],
    ['not probed yet', { enabled: true, addresses: 2 }, 'Unknown', 'Probing'],
    ['every endpoint answers', probed(up('a:1'), up('b:1')), 'True', 'Reachable'],
    ['one broker of three down', probed(up('a:1'), down('b:1'), up('c:1')), 'True', 'PartiallyReachable'],
    ['nothing answers', probed(down('a:1'), down('b:1', 'no answer within 5000 ms')), 'False', 'Unreachable'],
  ];
  for (const [name, input, status, reason] of cases) {
    it(`${name} → ${status} ${reason}`, () => {
      expect(decideReachability(input)).to.include({ status, reason });
    });
  }

  it('says which endpoints failed and why', () => {
    const v = decideReachability(probed(down('a:1', 'connect ECONNREFUSED 127.0.0.1:1'), up('b:2')));
    expect(v.message).to.equal('1/2 endpoints answer; unreachable: a:1: connect ECONNREFUSED 127.0.0.1:1');
  });
});

describe('the PrismBackend phase', () => {
  const reachable = { status: 'True', reason: 'Reachable', message: 'the endpoint answers' } as const;
  const cases: [string, Parameters<typeof decideBackendPhase>[0], string, string, string][] = [
    [
      'a Secret problem wins over a healthy probe',
      { invalid: { reason: 'SecretNotFound', message: 'm' }, reachable, configMap: 'c' },
      'Invalid',
      'False',
      'SecretNotFound',
    ],
    [
      'unreachable',
      { reachable: { status: 'False', reason: 'Unreachable', message: 'm' }, configMap: 'c' },
      'Unreachable',
      'False',
      'Unreachable',
    ],
    [
      'waiting for the first probe',
      { reachable: { status: 'Unknown', reason: 'Probing', message: 'm' }, configMap: 'c' },
      'Pending',
      'Unknown',
      'Probing',
    ],
    ['reachable', { reachable, configMap: 'c' }, 'Ready', 'True', 'ConnectionPublished'],
    [
      'health check off',
      { reachable: { status: 'Unknown', reason: 'HealthCheckDisabled', message: 'm' }, configMap: 'c' },
      'Ready',
      'True',
      'ConnectionPublished',
    ],
  ];
  for (const [name, o, phase, status, reason] of cases) {
    it(`${name} → ${phase}, Ready=${status} ${reason}`, () => {
      const v = decideBackendPhase(o);
      expect(v.phase).to.equal(phase);
      expect(v.ready).to.include({ status, reason });
    });
  }

  it('ignores latency when deciding whether a probe round is news', () => {
    const a = { checkedAt: 't1', endpoints: [{ ...up('a:1'), latencyMs: 3 }] };
    const b = { checkedAt: 't2', endpoints: [{ ...up('a:1'), latencyMs: 40 }] };
    expect(healthSignature(a)).to.equal(healthSignature(b));
    expect(healthSignature(a)).to.not.equal(healthSignature({ checkedAt: 't3', endpoints: [down('a:1')] }));
  });
});

describe('Secrets seen through the backend controller', () => {
  it('caches only name, namespace, resourceVersion and key names: no value survives the transform', () => {
    const cached = secretKeysOnly({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'shop', resourceVersion: '7', uid: 'u', labels: { a: 'b' } },
      type: 'Opaque',
      data: { password: Buffer.from('hunter2').toString('base64') },
      stringData: { username: 'admin' },
    });
    expect(cached).to.deep.equal({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: 'shop', resourceVersion: '7' },
      keys: ['password', 'username'],
    });
    expect(JSON.stringify(cached)).to.not.match(/hunter2|aHVudGVyMg|admin/);
  });

  it('reports a missing Secret, then a missing key, naming the field that asks for it', () => {
    const spec = aBackend('redis').at('r:6379').withSecret('creds', { password: 'pw' }).spec;
    expect(secretProblem(spec, 'shop', () => undefined)).to.deep.include({ reason: 'SecretNotFound' });
    const missingKey = secretProblem(spec, 'shop', () => ({ keys: ['password'] }));
    expect(missingKey).to.deep.equal({
      reason: 'SecretKeyMissing',
      message:
        'Secret creds has no key "pw" (spec.secretRef.keys.password); add the key to the Secret or fix the key name',
    });
    expect(secretProblem(spec, 'shop', () => ({ keys: ['pw'] }))).to.equal(undefined);
  });
});

describe('the probe scheduler', () => {
  it('probes at once, reports a change only when reachability changes, and stops when told', async () => {
    let answer = true;
    let probes = 0;
    const changes: string[] = [];
    const key = 'PrismBackend/shop/a';
    const prober = new BackendProber({
      onChange: (k) => changes.push(k),
      probe: (address) => {
        probes++;
        return Promise.resolve(answer ? up(address) : down(address));
      },
    });
    const plan = { namespace: 'shop', addresses: ['a:1'], intervalMs: 10, timeoutMs: 5 };
    prober.ensure(key, plan);
    await eventually(() => changes.length === 1 && probes >= 3, { timeoutMs: 10_000, intervalMs: 10 });
    expect(changes, 'later rounds with the same answer are not news').to.deep.equal([key]);
    expect(prober.snapshot(key)?.endpoints[0]?.reachable).to.equal(true);
    answer = false;
    await eventually(() => changes.length === 2, { timeoutMs: 10_000, intervalMs: 10 });
    expect(prober.snapshot(key)?.endpoints[0]).to.include({
      reachable: false,
      error: 'connect ECONNREFUSED',
    });
    prober.ensure(key, { ...plan });
    expect(prober.probing(), 'the same plan again keeps the schedule').to.deep.equal([key]);
    prober.stop(key);
    const after = probes;
    await sleep(100);
    expect(probes, 'no probe after stop').to.be.at.most(after + 1);
    expect(prober.probing()).to.deep.equal([]);
    expect(prober.snapshot(key)).to.equal(undefined);
  });

  it('marks every endpoint unreachable, with the reason, when the TLS material cannot be read', async () => {
    const changes: string[] = [];
    const prober = new BackendProber({
      onChange: (k) => changes.push(k),
      probe: (address) => Promise.resolve(up(address)),
      loadTls: () => Promise.reject(new Error('Secret backend-ca has no key "ca.crt"')),
    });
    const key = 'PrismBackend/shop/tls';
    prober.ensure(key, {
      namespace: 'shop',
      addresses: ['a:1', 'b:1'],
      intervalMs: 60_000,
      timeoutMs: 10,
      tls: { caSecret: { name: 'backend-ca', key: 'ca.crt' } },
    });
    await eventually(() => changes.length === 1, { timeoutMs: 10_000, intervalMs: 10 });
    expect(prober.snapshot(key)?.endpoints).to.deep.equal([
      {
        address: 'a:1',
        reachable: false,
        error: 'TLS settings unusable: Secret backend-ca has no key "ca.crt"',
      },
      {
        address: 'b:1',
        reachable: false,
        error: 'TLS settings unusable: Secret backend-ca has no key "ca.crt"',
      },
    ]);
    prober.stopAll();
  });

  it('re-reports an unchanged result once it is older than the refresh period', async () => {
    const changes: string[] = [];
    const prober = new BackendProber({
      onChange: (k) => changes.push(k),
      probe: (address) => Promise.resolve(up(address)),
      refreshMs: 0,
    });
    prober.ensure('k', { namespace: 'shop', addresses: ['a:1'], intervalMs: 10, timeoutMs: 5 });
    await eventually(() => changes.length >= 3, { timeoutMs: 10_000, intervalMs: 10 });
    prober.stopAll();
  });
});

describe('the probe plan', () => {
  it('carries addresses, the schedule from healthCheck, and Secret names (never values) for TLS', () => {
    const spec = aBackend('redis')
      .at('r:6379')
      .withTls({
        serverName: 'redis.internal',
        caSecretRef: { name: 'ca' },
        certSecretRef: { name: 'client' },
      })
      .withHealthCheck({ interval: '1m', timeout: '2s' }).spec;
    expect(probePlan('shop', spec, ['r:6379'])).to.deep.equal({
      namespace: 'shop',
      addresses: ['r:6379'],
      intervalMs: 60_000,
      timeoutMs: 2_000,
      tls: { serverName: 'redis.internal', caSecret: { name: 'ca', key: 'ca.crt' }, certSecret: 'client' },
    });
    expect(probePlan('shop', aBackend('tcp').at('t:1').spec, ['t:1'])).to.include({
      intervalMs: 30_000,
      timeoutMs: 5_000,
    });
  });
});
