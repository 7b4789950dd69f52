import { expect } from 'chai';
import type { Owner } from '../../src/resources/meta.js';
import {
  BACKEND_CHECKSUM_ANNOTATION,
  backendBindingFor,
  connectionConfigMapFor,
  durationMs,
  parseHostPort,
  probeAddresses,
  referencedSecrets,
  secretKeysNeeded,
  urlHostPort,
} from '../../src/resources/backend.js';
import { deploymentFor } from '../../src/resources/pattern.js';
import { aBackend } from './backend-fixtures.js';

type Json = Record<string, any>;

const owner: Owner = {
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismBackend',
  name: 'orders-kafka',
  namespace: 'shop',
  uid: 'u-1',
};

describe('PrismBackend builders', () => {
  it('publishes the connection settings in an owned, labelled <name>-connection ConfigMap', () => {
    const spec = aBackend('kafka').at('kafka-0:9092', 'kafka-1:9092').connect({ topic: 'orders' }).spec;
    const cm = connectionConfigMapFor(owner, spec) as Json;
    expect(cm.metadata.name).to.equal('orders-kafka-connection');
    expect(cm.metadata.labels).to.include({
      'app.kubernetes.io/managed-by': 'prism-operator',
      'app.kubernetes.io/name': 'prism-backend',
      'app.kubernetes.io/instance': 'orders-kafka',
      'prism.io/backend-provider': 'kafka',
    });
    expect(cm.metadata.ownerReferences[0]).to.include({ kind: 'PrismBackend', uid: 'u-1', controller: true });
    expect(cm.data).to.deep.equal({
      PRISM_BACKEND_NAME: 'orders-kafka',
      PRISM_BACKEND_PROVIDER: 'kafka',
      PRISM_BACKEND_BOOTSTRAP_SERVERS: 'kafka-0:9092,kafka-1:9092',
      PRISM_BACKEND_TOPIC: 'orders',
      PRISM_BACKEND_TLS_ENABLED: 'false',
    });
  });

  it("keeps the Secret's name, keys and values out of the ConfigMap", () => {
    const spec = aBackend('postgres')
      .at('pg:5432')
      .connect({ database: 'orders' })
      .withSecret('pg-creds', { username: 'user', password: 'pass' }).spec;
    const text = JSON.stringify(connectionConfigMapFor(owner, spec));
    expect(text).to.not.include('pg-creds');
    expect(text).to.not.include('pass');
  });

  it('binds a pattern: envFrom the ConfigMap, secretKeyRef env vars, and a checksum that rolls the pods', () => {
    const spec = aBackend('redis')
      .at('redis:6379')
      .withSecret('redis-creds', { password: 'redis-password' }).spec;
    const binding = backendBindingFor('cache', spec);
    expect(binding.envFrom).to.deep.equal([{ configMapRef: { name: 'cache-connection' } }]);
    expect(binding.env).to.deep.equal([
      {
        name: 'PRISM_BACKEND_PASSWORD',
        valueFrom: { secretKeyRef: { name: 'redis-creds', key: 'redis-password' } },
      },
    ]);
    const d = deploymentFor(
      { ...owner, kind: 'PrismPattern', name: 'worker' },
      { pattern: 'consumer', backend: 'redis', image: 'x:1' },
      binding,
    ) as Json;
    const container = d.spec.template.spec.containers[0];
    expect(container.envFrom).to.deep.equal(binding.envFrom);
    expect(container.env).to.deep.include(binding.env[0]);
    const checksum = d.spec.template.metadata.annotations[BACKEND_CHECKSUM_ANNOTATION];
    expect(checksum).to.be.a('string');
    const moved = backendBindingFor('cache', aBackend('redis').at('redis-2:6379').spec);
    expect(moved.podAnnotations?.[BACKEND_CHECKSUM_ANNOTATION]).to.not.equal(checksum);
  });

  it('dials bootstrap servers, endpoints, the URL host with its default port, or the SQS regional endpoint', () => {
    expect(probeAddresses(aBackend('kafka').at('k0:9092', 'k1:9092').spec)).to.deep.equal([
      'k0:9092',
      'k1:9092',
    ]);
    expect(probeAddresses(aBackend('nats').connect({ url: 'nats://nats.svc' }).spec)).to.deep.equal([
      'nats.svc:4222',
    ]);
    expect(
      probeAddresses(
        aBackend('postgres').connect({ url: 'postgres://[fd00::1]/orders', database: 'o' }).spec,
      ),
    ).to.deep.equal(['[fd00::1]:5432']);
    expect(
      probeAddresses(aBackend('sqs').connect({ region: 'eu-west-1', queue: 'orders' }).spec),
    ).to.deep.equal(['sqs.eu-west-1.amazonaws.com:443']);
  });

  it('has nothing to dial when the address is only in the Secret', () => {
    const spec = aBackend('redis').withSecret('redis', { url: 'url' }).spec;
    expect(probeAddresses(spec)).to.deep.equal([]);
  });

  it('parses host:port, IPv6 in brackets, and URLs without their credentials', () => {
    expect(parseHostPort('[fd00::1]:9092')).to.deep.equal({ host: 'fd00::1', port: 9092 });
    expect(parseHostPort('kafka:0')).to.equal(undefined);
    expect(urlHostPort('amqps://user:secret@rabbit:5671/vh')).to.deep.equal({ host: 'rabbit', port: 5671 });
  });

  it('lists every Secret key it needs: credentials, the CA bundle, both halves of a client certificate', () => {
    const spec = aBackend('kafka')
      .at('k:9092')
      .withSecret('creds', { username: 'u', password: 'p' })
      .withTls({ caSecretRef: { name: 'ca' }, certSecretRef: { name: 'client' } }).spec;
    expect(secretKeysNeeded(spec).map((n) => `${n.secret}/${n.key}`)).to.deep.equal([
      'creds/u',
      'creds/p',
      'ca/ca.crt',
      'client/tls.crt',
      'client/tls.key',
    ]);
    expect(referencedSecrets(spec)).to.deep.equal(['creds', 'ca', 'client']);
    const tlsOff = aBackend('kafka')
      .at('k:9092')
      .withTls({ enabled: false, caSecretRef: { name: 'ca' } }).spec;
    expect(secretKeysNeeded(tlsOff)).to.deep.equal([]);
  });

  it('reads Go durations, falling back when absent or malformed', () => {
    expect(durationMs('1h30m', 0)).to.equal(5_400_000);
    expect(durationMs('250ms', 0)).to.equal(250);
    expect(durationMs('1.5s', 0)).to.equal(1500);
    expect(durationMs(undefined, 30_000)).to.equal(30_000);
    expect(durationMs('soon', 30_000)).to.equal(30_000);
  });
});
