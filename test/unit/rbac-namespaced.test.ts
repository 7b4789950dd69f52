import { expect } from 'chai';
import { namespacedRbacFor, type PolicyRule, type RbacObject } from '../../src/rbac/namespaced.js';

// A ClusterRole shaped like the generated config/rbac/role.yaml.
const clusterRole: PolicyRule[] = [
  {
    apiGroups: ['prism.io'],
    resources: ['prismpatterns', 'prismpatterns/status'],
    verbs: ['list', 'watch', 'patch'],
  },
  {
    apiGroups: ['apps'],
    resources: ['deployments', 'deployments/scale'],
    verbs: ['list', 'watch', 'create', 'patch'],
  },
  {
    apiGroups: [''],
    resources: ['services', 'namespaces'],
    verbs: ['list', 'watch', 'create', 'patch', 'delete'],
  },
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['list', 'watch'] },
  { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
  { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  { nonResourceURLs: ['/metrics'], verbs: ['get'] },
];

const find = (objects: RbacObject[], kind: string, namespace?: string) =>
  objects.filter((o) => o.kind === kind && o.metadata.namespace === namespace);

describe('namespace-scoped RBAC from the ClusterRole', function () {
  const { objects, dropped } = namespacedRbacFor(clusterRole, ['shop', 'billing']);

  it('gives every watched namespace a Role with the namespaced rules, bound to the operator', function () {
    for (const ns of ['shop', 'billing']) {
      const [role] = find(objects, 'Role', ns);
      expect(role?.rules).to.deep.equal([
        {
          apiGroups: ['prism.io'],
          resources: ['prismpatterns', 'prismpatterns/status'],
          verbs: ['list', 'watch', 'patch'],
        },
        {
          apiGroups: ['apps'],
          resources: ['deployments', 'deployments/scale'],
          verbs: ['list', 'watch', 'create', 'patch'],
        },
        { apiGroups: [''], resources: ['services'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
      ]);
      const [binding] = find(objects, 'RoleBinding', ns);
      expect(binding?.roleRef).to.deep.equal({
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'Role',
        name: 'prism-operator',
      });
      expect(binding?.subjects).to.deep.equal([
        { kind: 'ServiceAccount', name: 'prism-operator', namespace: 'prism-system' },
      ]);
    }
    expect(objects.filter((o) => o.kind === 'Role')).to.have.length(2);
  });

  it('keeps CRD reads and token/access reviews in a small ClusterRole, and nothing else cluster-wide', function () {
    const [role] = find(objects, 'ClusterRole');
    expect(
      role?.rules?.map((r) => `${r.apiGroups?.[0]}/${r.resources?.join(',')}:${r.verbs.join(',')}`),
    ).to.deep.equal([
      'apiextensions.k8s.io/customresourcedefinitions:list,watch',
      'authentication.k8s.io/tokenreviews:create',
      'authorization.k8s.io/subjectaccessreviews:create',
    ]);
    expect(find(objects, 'ClusterRoleBinding')[0]?.roleRef?.name).to.equal(role?.metadata.name);
  });

  it('reports the cluster-scoped rules it leaves out (Namespaces, non-resource URLs)', function () {
    expect(dropped).to.deep.equal([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['list', 'watch', 'create', 'patch', 'delete'] },
      { nonResourceURLs: ['/metrics'], verbs: ['get'] },
    ]);
  });

  it('binds the service account it is given, and refuses an empty namespace list', function () {
    const sa = { kind: 'ServiceAccount' as const, name: 'ops', namespace: 'ops-system' };
    const { objects: custom } = namespacedRbacFor(clusterRole, ['shop'], { serviceAccount: sa });
    expect(find(custom, 'RoleBinding', 'shop')[0]?.subjects).to.deep.equal([sa]);
    expect(() => namespacedRbacFor(clusterRole, [])).to.throw(/at least one namespace/);
  });
});
