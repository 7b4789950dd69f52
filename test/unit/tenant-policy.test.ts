import { expect } from 'chai';
import { checkTenantPolicy, type TenantPolicy } from '../../src/controllers/tenant-policy.js';

const tenant = (p: Partial<TenantPolicy>): TenantPolicy => ({ tenant: 'tenants/acme', ...p });

describe('the tenant policy for PrismPatterns', () => {
  const cases: {
    name: string;
    req: { pattern: string; backend: string };
    policies: TenantPolicy[];
    reason?: string;
  }[] = [
    { name: 'no tenant manages the namespace', req: { pattern: 'pubsub', backend: 'kafka' }, policies: [] },
    {
      name: 'empty lists allow everything',
      req: { pattern: 'pubsub', backend: 'kafka' },
      policies: [tenant({ allowedPatterns: [], allowedBackends: [] })],
    },
    {
      name: 'an allowed pattern and backend',
      req: { pattern: 'pubsub', backend: 'kafka' },
      policies: [tenant({ allowedPatterns: ['keyvalue', 'pubsub'], allowedBackends: ['kafka'] })],
    },
    {
      name: 'a pattern not in allowedPatterns',
      req: { pattern: 'consumer', backend: 'kafka' },
      policies: [tenant({ allowedPatterns: ['pubsub'] })],
      reason: 'PatternNotAllowed',
    },
    {
      name: 'a backend not in allowedBackends',
      req: { pattern: 'pubsub', backend: 'nats' },
      policies: [tenant({ allowedBackends: ['kafka', 'redis'] })],
      reason: 'BackendNotAllowed',
    },
    {
      name: 'both refused: the pattern is reported first',
      req: { pattern: 'consumer', backend: 'nats' },
      policies: [tenant({ allowedPatterns: ['pubsub'], allowedBackends: ['kafka'] })],
      reason: 'PatternNotAllowed',
    },
    {
      name: 'two tenants on one namespace: each must allow it',
      req: { pattern: 'pubsub', backend: 'kafka' },
      policies: [
        tenant({ allowedBackends: ['kafka'] }),
        tenant({ tenant: 'b/other', allowedBackends: ['redis'] }),
      ],
      reason: 'BackendNotAllowed',
    },
  ];
  for (const c of cases) {
    it(`${c.reason ? 'refuses' : 'allows'} when ${c.name}`, () => {
      expect(checkTenantPolicy(c.req, c.policies)?.reason).to.equal(c.reason);
    });
  }

  it('tells the user which tenant refused and what is allowed', () => {
    const refusal = checkTenantPolicy({ pattern: 'pubsub', backend: 'nats' }, [
      tenant({ allowedBackends: ['kafka', 'redis'] }),
    ]);
    expect(refusal?.message).to.include('tenants/acme').and.include('kafka, redis').and.include('nats');
  });
});
