import { expect } from 'chai';
import {
  backendDerivation,
  derivedMetadataFor,
  derivedSecretRefsFor,
} from '../../src/scaler/backend-metadata.js';
import { kedaEngine, scaledObjectFor, triggerAuthenticationsFor } from '../../src/scaler/keda.js';
import { aBackend } from './backend-fixtures.js';
import { aPattern } from './scaler-fixtures.js';

type Json = Record<string, any>;

describe('trigger metadata derived from a PrismBackend', () => {
  it('kafka: bootstrapServers, topic and tls; username/password through the TriggerAuthentication', () => {
    const spec = aBackend('kafka')
      .at('k0:9092', 'k1:9092')
      .connect({ topic: 'orders' })
      .withSecret('kafka-creds', { username: 'user', password: 'pass' })
      .withTls({ caSecretRef: { name: 'kafka-ca' } }).spec;
    expect(derivedMetadataFor(spec, 'kafka')).to.deep.equal({
      bootstrapServers: 'k0:9092,k1:9092',
      topic: 'orders',
      tls: 'enable',
    });
    expect(derivedSecretRefsFor(spec, 'kafka')).to.deep.equal([
      { parameter: 'username', name: 'kafka-creds', key: 'user' },
      { parameter: 'password', name: 'kafka-creds', key: 'pass' },
      { parameter: 'ca', name: 'kafka-ca', key: 'ca.crt' },
    ]);
  });

  it('redis: address for a standalone list, addresses for a cluster, stream only for stream triggers', () => {
    const spec = aBackend('redis')
      .at('r0:6379', 'r1:6379')
      .connect({ database: '2', stream: 'events' })
      .withSecret('redis', { password: 'pw' }).spec;
    expect(derivedMetadataFor(spec, 'redis')).to.deep.equal({ address: 'r0:6379', databaseIndex: '2' });
    expect(derivedMetadataFor(spec, 'redis-cluster-streams')).to.deep.equal({
      addresses: 'r0:6379,r1:6379',
      stream: 'events',
    });
    expect(derivedSecretRefsFor(spec, 'redis-streams')).to.deep.equal([
      { parameter: 'password', name: 'redis', key: 'pw' },
    ]);
  });

  it('postgresql: host, port, dbName and sslmode; userName, password or the whole URL from the Secret', () => {
    const spec = aBackend('postgres')
      .at('pg.db:5433')
      .connect({ database: 'orders' })
      .withTls()
      .withSecret('pg', { username: 'u', password: 'p', url: 'dsn' }).spec;
    expect(derivedMetadataFor(spec, 'postgresql')).to.deep.equal({
      host: 'pg.db',
      port: '5433',
      dbName: 'orders',
      sslmode: 'require',
    });
    expect(derivedSecretRefsFor(spec, 'postgresql').map((r) => r.parameter)).to.deep.equal([
      'userName',
      'password',
      'connection',
    ]);
  });

  it('rabbitmq: an amqp host without credentials, or the host from the Secret when it holds the URL', () => {
    const plain = aBackend('rabbitmq')
      .connect({ url: 'amqp://rabbit:5672', vhost: 'shop', queue: 'orders' })
      .withSecret('rmq', { username: 'u', password: 'p' }).spec;
    expect(derivedMetadataFor(plain, 'rabbitmq')).to.deep.equal({
      host: 'amqp://rabbit:5672/shop',
      queueName: 'orders',
      vhostName: 'shop',
    });
    const inSecret = aBackend('rabbitmq')
      .withSecret('rmq', { url: 'amqp-url' })
      .connect({ queue: 'orders' }).spec;
    expect(derivedMetadataFor(inSecret, 'rabbitmq')).to.deep.equal({ queueName: 'orders' });
    expect(derivedSecretRefsFor(inSecret, 'rabbitmq')).to.deep.equal([
      { parameter: 'host', name: 'rmq', key: 'amqp-url' },
    ]);
  });

  it('nats-jetstream: the monitoring endpoint on the server host, and the stream', () => {
    const spec = aBackend('nats').at('nats.msg:4222').connect({ stream: 'ORDERS' }).spec;
    expect(derivedMetadataFor(spec, 'nats-jetstream')).to.deep.equal({
      natsServerMonitoringEndpoint: 'nats.msg:8222',
      stream: 'ORDERS',
    });
  });

  it('aws-sqs-queue: queueURL, awsRegion, awsEndpoint; access keys from the Secret', () => {
    const spec = aBackend('sqs')
      .connect({ queue: 'orders', region: 'eu-west-1', url: 'http://localstack:4566' })
      .withSecret('aws', { username: 'id', password: 'secret' }).spec;
    expect(derivedMetadataFor(spec, 'aws-sqs-queue')).to.deep.equal({
      queueURL: 'orders',
      awsRegion: 'eu-west-1',
      awsEndpoint: 'http://localstack:4566',
    });
    expect(derivedSecretRefsFor(spec, 'aws-sqs-queue').map((r) => r.parameter)).to.deep.equal([
      'awsAccessKeyID',
      'awsSecretAccessKey',
    ]);
  });

  it('gives nothing to a trigger whose type does not match the provider (cpu on a kafka backend)', () => {
    const spec = aBackend('kafka').at('k:9092').withSecret('s', { password: 'p' }).spec;
    expect(derivedMetadataFor(spec, 'cpu')).to.deep.equal({});
    expect(derivedSecretRefsFor(spec, 'redis')).to.deep.equal([]);
    expect(derivedMetadataFor(aBackend('tcp').at('t:1').spec, 'kafka')).to.deep.equal({});
  });
});

describe('a ScaledObject for a pattern bound to a backend', () => {
  const backend = aBackend('kafka')
    .at('kafka.backends:9092')
    .connect({ topic: 'orders' })
    .withSecret('kafka-creds', { username: 'user', password: 'pass' }).spec;
  const withBackend = (trigger: Json) => {
    const input = aPattern()
      .withKeda(trigger as never)
      .input();
    return { ...input, ...backendDerivation(backend) };
  };

  it('fills in the connection and references a generated TriggerAuthentication, never the Secret', () => {
    const input = withBackend({ type: 'kafka', metadata: { consumerGroup: 'orders', lagThreshold: '50' } });
    expect(kedaEngine.validate(input).filter((f) => f.severity === 'error')).to.deep.equal([]);
    const so = scaledObjectFor(input) as Json;
    const trigger = so.spec.triggers[0];
    expect(trigger.metadata).to.deep.equal({
      bootstrapServers: 'kafka.backends:9092',
      topic: 'orders',
      consumerGroup: 'orders',
      lagThreshold: '50',
    });
    expect(trigger.authenticationRef).to.deep.equal({
      name: 'orders-kafka-0',
      kind: 'TriggerAuthentication',
    });
    const [ta] = triggerAuthenticationsFor(input) as Json[];
    expect(ta?.metadata.name).to.equal('orders-kafka-0');
    expect(ta?.spec.secretTargetRef).to.deep.equal([
      { parameter: 'username', name: 'kafka-creds', key: 'user' },
      { parameter: 'password', name: 'kafka-creds', key: 'pass' },
    ]);
  });

  it('lets explicit metadata and explicit secretTargetRef win over the backend', () => {
    const input = withBackend({
      type: 'kafka',
      metadata: { bootstrapServers: 'other:9092', consumerGroup: 'g' },
      secretTargetRef: [{ parameter: 'password', name: 'mine', key: 'pw' }],
    });
    const trigger = (scaledObjectFor(input) as Json).spec.triggers[0];
    expect(trigger.metadata.bootstrapServers).to.equal('other:9092');
    expect(trigger.metadata.topic).to.equal('orders');
    const [ta] = triggerAuthenticationsFor(input) as Json[];
    expect(ta?.spec.secretTargetRef).to.deep.equal([{ parameter: 'password', name: 'mine', key: 'pw' }]);
  });
});
