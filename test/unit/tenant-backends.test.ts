import { expect } from 'chai';
import { backendAddresses, backendEgressRules } from '../../src/resources/tenant-backends.js';

const tcp = (port: number) => [{ protocol: 'TCP', port }];

describe('egress to a tenant’s backends', () => {
  it('reads addresses from bootstrapServers, endpoints and url (with the scheme’s default port)', () => {
    expect(
      backendAddresses({
        provider: 'kafka',
        connection: { bootstrapServers: ['k1:9092', '[fd00::1]:9093'] },
      }),
    ).to.deep.equal([
      { host: 'k1', port: 9092 },
      { host: 'fd00::1', port: 9093 },
    ]);
    expect(
      backendAddresses({ provider: 'redis', connection: { url: 'rediss://cache.example.com' } }),
    ).to.deep.equal([{ host: 'cache.example.com', port: 6379 }]);
    expect(
      backendAddresses({
        provider: 'postgres',
        connection: { url: 'postgres://db:6432/app', database: 'app' },
      }),
    ).to.deep.equal([{ host: 'db', port: 6432 }]);
    expect(
      backendAddresses({ provider: 'sqs', connection: { queue: 'q', region: 'eu-west-1' } }),
    ).to.deep.equal([{ host: 'sqs.amazonaws.com', port: 443 }]);
  });

  it('allows an IP by ipBlock, an in-cluster Service by its namespace, and any other host by port only', () => {
    const rules = backendEgressRules([
      {
        provider: 'kafka',
        connection: {
          bootstrapServers: [
            '10.0.0.5:9092',
            'kafka.data.svc:9093',
            'broker.example.com:9094',
            '[fd00::1]:9095',
          ],
        },
      },
    ]);
    expect(rules).to.have.deep.members([
      { to: [{ ipBlock: { cidr: '10.0.0.5/32' } }], ports: tcp(9092) },
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } } }],
        ports: tcp(9093),
      },
      { ports: tcp(9094) },
      { to: [{ ipBlock: { cidr: 'fd00::1/128' } }], ports: tcp(9095) },
    ]);
    expect(rules).to.have.length(4);
  });

  it('gives the same rules whatever the order of backends, without duplicates', () => {
    const a = { provider: 'redis' as const, connection: { endpoints: ['10.0.0.7:6379'] } };
    const b = { provider: 'nats' as const, connection: { endpoints: ['nats.msg.svc.cluster.local:4222'] } };
    expect(backendEgressRules([a, b, a])).to.deep.equal(backendEgressRules([b, a]));
    expect(backendEgressRules([a, b, a])).to.have.length(2);
  });
});
