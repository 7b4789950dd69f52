import { expect } from 'chai';
import type { PrismNamespaceSpec } from '../../src/api/v1alpha1/prismnamespace.js';
import type { Owner } from '../../src/resources/meta.js';
import {
  limitRangeFor,
  namespaceFor,
  resourceQuotaFor,
  targetNamespace,
} from '../../src/resources/tenant.js';
import { roleBindingName, roleBindingsFor } from '../../src/resources/tenant-access.js';
import {
  EGRESS_POLICY_NAME,
  INGRESS_POLICY_NAME,
  networkPoliciesFor,
} from '../../src/resources/tenant-network.js';

type Json = Record<string, any>;

const owner: Owner = {
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismNamespace',
  name: 'acme',
  namespace: 'tenants',
  uid: 'u-1',
};
const OWNER_LABELS = {
  'prism.io/owner-kind': 'PrismNamespace',
  'prism.io/owner-namespace': 'tenants',
  'prism.io/owner-name': 'acme',
  'app.kubernetes.io/managed-by': 'prism-operator',
};
const byName = (name: string) => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } },
});

describe('tenant builders', () => {
  it('names the Namespace after the PrismNamespace unless spec.namespace is set', () => {
    expect(targetNamespace('acme', {})).to.equal('acme');
    expect(targetNamespace('acme', { namespace: 'acme-prod' })).to.equal('acme-prod');
  });

  it('labels the Namespace with the user’s labels and its owner, never an owner reference', () => {
    const ns = namespaceFor(owner, {
      namespace: 'acme-prod',
      displayName: 'ACME',
      labels: { team: 'acme' },
      annotations: { 'example.com/x': 'y' },
    }) as Json;
    expect(ns).to.deep.include({ apiVersion: 'v1', kind: 'Namespace' });
    expect(ns.metadata.name).to.equal('acme-prod');
    expect(ns.metadata).to.not.have.property('namespace');
    expect(ns.metadata).to.not.have.property('ownerReferences');
    expect(ns.metadata.labels).to.include({ team: 'acme', ...OWNER_LABELS });
    expect(ns.metadata.annotations).to.deep.equal({ 'example.com/x': 'y', 'prism.io/display-name': 'ACME' });
  });

  it('maps every quota field to its ResourceQuota resource, as strings', () => {
    const rq = resourceQuotaFor(owner, {
      quota: {
        cpu: '2',
        memory: '4Gi',
        limitsCpu: 4,
        limitsMemory: '8Gi',
        requestsStorage: '100Gi',
        pods: 10,
        services: 5,
        persistentVolumeClaims: 3,
        configMaps: 20,
        secrets: 30,
      },
    }) as Json;
    expect(rq.metadata).to.deep.include({ name: 'prism-quota', namespace: 'acme' });
    expect(rq.metadata.labels).to.include(OWNER_LABELS);
    expect(rq.spec.hard).to.deep.equal({
      'requests.cpu': '2',
      'requests.memory': '4Gi',
      'limits.cpu': '4',
      'limits.memory': '8Gi',
      'requests.storage': '100Gi',
      pods: '10',
      services: '5',
      persistentvolumeclaims: '3',
      configmaps: '20',
      secrets: '30',
    });
    expect(resourceQuotaFor(owner, {})).to.equal(undefined);
  });

  it('gives containers default requests and limits through a LimitRange', () => {
    const lr = limitRangeFor(owner, {
      namespace: 'acme-prod',
      limits: {
        defaultRequest: { cpu: '100m' },
        default: { cpu: '500m', memory: '256Mi' },
        max: { memory: '1Gi' },
      },
    }) as Json;
    expect(lr.metadata).to.deep.include({ name: 'prism-limits', namespace: 'acme-prod' });
    expect(lr.spec.limits).to.deep.equal([
      {
        type: 'Container',
        defaultRequest: { cpu: '100m' },
        default: { cpu: '500m', memory: '256Mi' },
        max: { memory: '1Gi' },
      },
    ]);
    expect(limitRangeFor(owner, {})).to.equal(undefined);
  });
});

describe('tenant NetworkPolicies', () => {
  const policies = (spec: PrismNamespaceSpec) => networkPoliciesFor(owner, spec, ['prism-system', 'tenants']);

  it('isolates ingress by default: the tenant’s own pods and the Prism namespaces only', () => {
    const p = policies({});
    expect(p[EGRESS_POLICY_NAME]).to.equal(undefined);
    const ingress = p[INGRESS_POLICY_NAME] as Json;
    expect(ingress.metadata).to.deep.include({ name: 'prism-isolation-ingress', namespace: 'acme' });
    expect(ingress.spec).to.deep.equal({
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ podSelector: {} }, byName('prism-system'), byName('tenants')] }],
    });
  });

  it('under strict isolation also limits egress to DNS, the tenant and the Prism namespaces', () => {
    const egress = policies({ isolation: 'strict' })[EGRESS_POLICY_NAME] as Json;
    expect(egress.spec).to.deep.equal({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [byName('kube-system')],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
        { to: [{ podSelector: {} }, byName('prism-system'), byName('tenants')] },
      ],
    });
  });

  it('under strict isolation lets pods reach their backends', () => {
    const backend = { ports: [{ protocol: 'TCP', port: 9092 }] };
    const egress = networkPoliciesFor(owner, { isolation: 'strict' }, [], [backend])[
      EGRESS_POLICY_NAME
    ] as Json;
    expect(egress.spec.egress).to.have.length(3);
    expect(egress.spec.egress[2]).to.deep.equal(backend);
  });

  it('asks for no policy at all with isolation none (so existing ones are removed)', () => {
    expect(policies({ isolation: 'none' })).to.deep.equal({
      [INGRESS_POLICY_NAME]: undefined,
      [EGRESS_POLICY_NAME]: undefined,
    });
  });

  it('does not list the tenant Namespace twice when the PrismNamespace lives in it', () => {
    const ingress = networkPoliciesFor(owner, {}, ['acme', 'prism-system'])[INGRESS_POLICY_NAME] as Json;
    expect(ingress.spec.ingress[0].from).to.deep.equal([{ podSelector: {} }, byName('prism-system')]);
  });
});

describe('tenant RoleBindings', () => {
  it('binds each subject to the built-in ClusterRole it is given', () => {
    const rbs = roleBindingsFor(owner, {
      access: [
        { kind: 'User', name: 'alice@example.com', role: 'admin' },
        { kind: 'Group', name: 'devs', role: 'edit' },
        { kind: 'ServiceAccount', name: 'ci', role: 'view' },
        { kind: 'ServiceAccount', name: 'deployer', namespace: 'cd', role: 'edit' },
      ],
    }) as Json[];
    expect(rbs.map((rb) => [rb.roleRef, rb.subjects])).to.deep.equal([
      [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
        [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice@example.com' }],
      ],
      [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        [{ kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs' }],
      ],
      [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        [{ kind: 'ServiceAccount', name: 'ci', namespace: 'acme' }],
      ],
      [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
        [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'cd' }],
      ],
    ]);
    expect(rbs.every((rb) => rb.metadata.namespace === 'acme')).to.equal(true);
    expect(rbs[0]!.metadata.labels).to.include(OWNER_LABELS);
  });

  it('names a binding by subject and role, so reordering keeps names and a role change replaces it', () => {
    const devs = { kind: 'Group' as const, name: 'devs', role: 'edit' as const };
    const name = roleBindingName(devs, 'acme');
    expect(name).to.match(/^prism-edit-[0-9a-f]{10}$/);
    expect(roleBindingName({ ...devs, role: 'view' }, 'acme')).to.match(/^prism-view-/);
    const a = roleBindingsFor(owner, { access: [devs, { kind: 'User', name: 'bob', role: 'view' }] });
    const b = roleBindingsFor(owner, { access: [{ kind: 'User', name: 'bob', role: 'view' }, devs] });
    expect(a.map((o) => o.metadata.name).sort()).to.deep.equal(b.map((o) => o.metadata.name).sort());
  });

  it('makes one binding of a repeated entry', () => {
    const devs = { kind: 'Group' as const, name: 'devs', role: 'edit' as const };
    expect(roleBindingsFor(owner, { access: [devs, devs] })).to.have.length(1);
  });
});
