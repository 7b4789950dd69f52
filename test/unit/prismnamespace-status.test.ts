import { expect } from 'chai';
import {
  decideOwnership,
  decideTenantStatus,
  expiryOf,
  parseGoDuration,
  quotaState,
  type TenantObservation,
} from '../../src/controllers/prismnamespace-status.js';
import type { Obj } from '../../src/runtime/object.js';

const me = { kind: 'PrismNamespace', namespace: 'tenants', name: 'acme' };
const ownedBy = (o: typeof me) => ({
  'prism.io/owner-kind': o.kind,
  'prism.io/owner-namespace': o.namespace,
  'prism.io/owner-name': o.name,
});
const aNamespace = (labels: Record<string, string> = {}, deleting = false): Obj => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'acme', labels, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
});

describe('whether a PrismNamespace may write its Namespace', () => {
  const cases: { name: string; ns: Obj | undefined; adopt: boolean; verdict: string; reason?: string }[] = [
    { name: 'it does not exist yet', ns: undefined, adopt: false, verdict: 'create' },
    { name: 'it carries our owner labels', ns: aNamespace(ownedBy(me)), adopt: false, verdict: 'owned' },
    {
      name: 'someone else made it and adopt is off',
      ns: aNamespace({ team: 'x' }),
      adopt: false,
      verdict: 'conflict',
      reason: 'NamespaceConflict',
    },
    {
      name: 'someone else made it and adopt is on',
      ns: aNamespace({ team: 'x' }),
      adopt: true,
      verdict: 'adopt',
    },
    {
      name: 'another PrismNamespace manages it, even with adopt',
      ns: aNamespace(ownedBy({ ...me, name: 'other' })),
      adopt: true,
      verdict: 'conflict',
      reason: 'NamespaceConflict',
    },
    {
      name: 'it is being deleted',
      ns: aNamespace(ownedBy(me), true),
      adopt: false,
      verdict: 'terminating',
      reason: 'NamespaceTerminating',
    },
  ];
  for (const c of cases) {
    it(`${c.verdict} when ${c.name}`, () => {
      const o = decideOwnership(c.ns, me, c.adopt);
      expect(o.verdict).to.equal(c.verdict);
      expect('problem' in o ? o.problem.reason : undefined).to.equal(c.reason);
    });
  }

  it('tells the user how to resolve a conflict', () => {
    const o = decideOwnership(aNamespace(), me, false);
    expect('problem' in o && o.problem.message).to.include('adopt: true');
  });
});

describe('a PrismNamespace’s phase and conditions', () => {
  const base: TenantObservation = { namespace: 'acme', quota: 'enforced', isolation: 'namespace' };
  const conditions = (o: TenantObservation) =>
    Object.fromEntries(decideTenantStatus(o).conditions.map((c) => [c.type, `${c.status}/${c.reason}`]));

  it('is Active and Ready once provisioned with its quota enforced', () => {
    expect(decideTenantStatus(base).phase).to.equal('Active');
    expect(conditions(base)).to.deep.equal({
      Ready: 'True/Active',
      Provisioned: 'True/NamespaceProvisioned',
      QuotaEnforced: 'True/QuotaEnforced',
      IsolationApplied: 'True/NamespaceIsolation',
    });
  });

  it('is Provisioning until the quota controller has seen the quota', () => {
    const o = { ...base, quota: 'pending' as const };
    expect(decideTenantStatus(o).phase).to.equal('Provisioning');
    expect(conditions(o)).to.include({ Ready: 'False/QuotaPending', QuotaEnforced: 'False/QuotaPending' });
  });

  it('is Ready without a quota or isolation, and says so in their conditions', () => {
    const o = { ...base, quota: 'none' as const, isolation: 'none' as const };
    expect(conditions(o)).to.deep.equal({
      Ready: 'True/Active',
      Provisioned: 'True/NamespaceProvisioned',
      QuotaEnforced: 'False/NoQuota',
      IsolationApplied: 'False/IsolationDisabled',
    });
    expect(conditions({ ...base, isolation: 'strict' })).to.include({
      IsolationApplied: 'True/StrictIsolation',
    });
  });

  it('is Failed with the blocking reason on Ready and Provisioned', () => {
    const o = { ...base, blocked: { reason: 'NamespaceConflict', message: 'taken' } };
    expect(decideTenantStatus(o).phase).to.equal('Failed');
    expect(conditions(o)).to.deep.equal({
      Ready: 'False/NamespaceConflict',
      Provisioned: 'False/NamespaceConflict',
      QuotaEnforced: 'Unknown/NotProvisioned',
      IsolationApplied: 'Unknown/NotProvisioned',
    });
  });

  it('is Provisioning while it waits for an old Namespace to go', () => {
    const o = { ...base, waiting: { reason: 'NamespaceTerminating', message: 'wait' } };
    expect(decideTenantStatus(o).phase).to.equal('Provisioning');
    expect(conditions(o)).to.include({ Ready: 'False/NamespaceTerminating' });
  });
});

describe('quota state', () => {
  const hard = { pods: '10', 'requests.cpu': '2' };
  const cases: [string, Parameters<typeof quotaState>, string][] = [
    ['no quota asked for', [undefined, undefined, undefined], 'none'],
    ['no ResourceQuota yet', [hard, undefined, undefined], 'pending'],
    ['not yet seen by the quota controller', [hard, hard, undefined], 'pending'],
    ['the controller still reports the old limits', [hard, hard, { ...hard, pods: '5' }], 'pending'],
    ['the cached quota predates a new resource', [{ ...hard, secrets: '3' }, hard, hard], 'pending'],
    ['the controller caught up', [hard, hard, { ...hard }], 'enforced'],
  ];
  for (const [name, args, want] of cases) {
    it(`is ${want} when ${name}`, () => expect(quotaState(...args)).to.equal(want));
  }
});

describe('ttl', () => {
  it('parses Go durations as the schema allows them', () => {
    expect(parseGoDuration('72h')).to.equal(72 * 3_600_000);
    expect(parseGoDuration('1h30m')).to.equal(90 * 60_000);
    expect(parseGoDuration('1.5h')).to.equal(90 * 60_000);
    expect(parseGoDuration('90s')).to.equal(90_000);
    expect(parseGoDuration('250ms')).to.equal(250);
    expect(parseGoDuration('3d')).to.equal(undefined);
    expect(parseGoDuration('')).to.equal(undefined);
  });

  it('expires ttl after creation, and never without a ttl', () => {
    expect(expiryOf('2026-11-23T10:00:00Z', '1h')?.toISOString()).to.equal('2026-11-23T11:00:00.000Z');
    expect(expiryOf('2026-11-23T10:00:00Z', undefined)).to.equal(undefined);
    expect(expiryOf(undefined, '1h')).to.equal(undefined);
  });
});
