import { expect } from 'chai';
import { parse } from 'yaml';
import type { PrismStackSpec } from '../../src/api/v1alpha1/prismstack.js';
import type { Owner } from '../../src/resources/meta.js';
import { desiredChildren } from '../../src/resources/stack.js';
import { leaderElectionRoleFor } from '../../src/resources/stack-admin.js';
import { childPatterns, serviceMonitorFor } from '../../src/resources/stack-children.js';
import { proxyConfigMapFor, proxyDeploymentFor, proxyScalerInput } from '../../src/resources/stack-proxy.js';
import type { Obj } from '../../src/runtime/object.js';
import { hpaFor } from '../../src/scaler/hpa.js';

type Json = Record<string, any>;

const owner: Owner = {
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismStack',
  name: 'shop',
  namespace: 'prod',
  uid: 'u-1',
};
const aStack = (over: Partial<PrismStackSpec> = {}): PrismStackSpec => ({
  proxy: { image: 'proxy:1' },
  admin: { image: 'admin:1' },
  ...over,
});
const byName = (spec: PrismStackSpec) =>
  new Map(
    desiredChildren(owner, spec).flatMap(([, objs]) => objs.map((o) => [`${o.kind}/${o.metadata.name}`, o])),
  );
const names = (spec: PrismStackSpec) => [...byName(spec).keys()];
const json = (o: Obj | undefined) => o as Json;

describe('PrismStack builders', () => {
  it('names every child <stack>-<name>, owns it and labels it with the stack', () => {
    const spec = aStack({
      backends: [{ name: 'kafka', provider: 'kafka', connection: { bootstrapServers: ['k:9092'] } }],
      namespaces: [{ name: 'tenant-a' }],
      patterns: [{ name: 'orders', pattern: 'consumer', backend: 'kafka', image: 'c:1' }],
    });
    expect(names(spec)).to.have.members([
      'PrismBackend/shop-kafka',
      'PrismNamespace/shop-tenant-a',
      'PrismPattern/shop-orders',
      'ServiceAccount/shop-admin',
      'Role/shop-admin-leader-election',
      'RoleBinding/shop-admin-leader-election',
      'ConfigMap/shop-proxy-config',
      'Deployment/shop-proxy',
      'Deployment/shop-admin',
      'Service/shop-proxy',
      'Service/shop-admin',
    ]);
    for (const obj of byName(spec).values()) {
      expect(obj.metadata.ownerReferences).to.deep.equal([
        {
          apiVersion: 'prism.io/v1alpha1',
          kind: 'PrismStack',
          name: 'shop',
          uid: 'u-1',
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
      expect(obj.metadata.labels).to.include({
        'app.kubernetes.io/managed-by': 'prism-operator',
        'prism.io/stack': 'shop',
      });
    }
  });

  it('leaves the admin and its RBAC out when the admin is disabled or omitted', () => {
    for (const admin of [undefined, { enabled: false }]) {
      const spec: PrismStackSpec = { proxy: { image: 'proxy:1' }, ...(admin ? { admin } : {}) };
      expect(names(spec)).to.have.members([
        'ConfigMap/shop-proxy-config',
        'Deployment/shop-proxy',
        'Service/shop-proxy',
      ]);
    }
  });

  it('keeps the ServiceAccount but drops the Role when leader election is off', () => {
    const n = names(aStack({ admin: { image: 'admin:1', replicas: 1, leaderElection: { enabled: false } } }));
    expect(n).to.include('ServiceAccount/shop-admin').and.not.include('Role/shop-admin-leader-election');
  });

  it('grants the admin exactly what Lease-based leader election needs', () => {
    expect(json(leaderElectionRoleFor(owner)).rules).to.deep.equal([
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ]);
  });

  it('points a pattern’s backendRef at the child backend’s full name and drops the entry name', () => {
    const [p] = childPatterns(
      owner,
      aStack({
        patterns: [
          {
            name: 'orders',
            pattern: 'consumer',
            backend: 'kafka',
            image: 'c:1',
            backendRef: { name: 'kafka' },
          },
        ],
      }),
    );
    expect(json(p).spec).to.deep.equal({
      pattern: 'consumer',
      backend: 'kafka',
      image: 'c:1',
      backendRef: { name: 'shop-kafka' },
    });
    expect(p!.metadata.labels).to.include({ 'prism.io/stack-entry': 'orders' });
  });

  it('writes the admin endpoint, backends and namespaces into the proxy config', () => {
    const spec = aStack({
      backends: [{ name: 'kafka', provider: 'kafka', connection: { bootstrapServers: ['k:9092'] } }],
      namespaces: [{ name: 'a' }, { name: 'b', namespace: 'team-b' }],
      observability: { tracingEndpoint: 'otel:4317' },
    });
    const config = parse(json(proxyConfigMapFor(owner, spec)).data['proxy.yaml'] as string) as Json;
    expect(config).to.deep.include({
      admin: { endpoint: 'shop-admin.prod.svc:8981' },
      backends: [{ name: 'kafka', provider: 'kafka', prismBackend: 'shop-kafka' }],
      namespaces: [
        { name: 'a', namespace: 'shop-a', prismNamespace: 'shop-a' },
        { name: 'b', namespace: 'team-b', prismNamespace: 'shop-b' },
      ],
      tracing: { endpoint: 'otel:4317' },
    });
  });

  it('changes the proxy pod template when its config changes, and only then', () => {
    const checksum = (spec: PrismStackSpec) =>
      json(proxyDeploymentFor(owner, spec, proxyConfigMapFor(owner, spec))).spec.template.metadata
        .annotations['prism.io/config-checksum'] as string;
    const one = aStack({ namespaces: [{ name: 'a' }] });
    expect(checksum(one)).to.equal(checksum(aStack({ namespaces: [{ name: 'a' }] })));
    expect(checksum(one)).to.not.equal(checksum(aStack({ namespaces: [{ name: 'a' }, { name: 'b' }] })));
  });

  it('omits spec.replicas from the proxy while it autoscales, and sets it otherwise', () => {
    const d = (spec: PrismStackSpec) =>
      json(proxyDeploymentFor(owner, spec, proxyConfigMapFor(owner, spec))).spec;
    expect(d(aStack())).to.include({ replicas: 2 });
    expect(
      d(aStack({ proxy: { image: 'p', autoscaling: { enabled: true, maxReplicas: 4 } } })),
    ).to.not.have.property('replicas');
  });

  it('scales the proxy on CPU by default, and on the targets the spec names otherwise', () => {
    const hpa = (autoscaling: Json) =>
      json(hpaFor(proxyScalerInput(owner, aStack({ proxy: { image: 'p', autoscaling } }))));
    const byDefault = hpa({ enabled: true, maxReplicas: 4 });
    expect(byDefault.metadata.name).to.equal('shop-proxy');
    expect(byDefault.metadata.ownerReferences[0]).to.include({ kind: 'PrismStack', name: 'shop' });
    expect(byDefault.spec.scaleTargetRef.name).to.equal('shop-proxy');
    expect(byDefault.spec.metrics).to.deep.equal([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } },
      },
    ]);
    const memory = hpa({ enabled: true, maxReplicas: 4, targetMemoryUtilizationPercentage: 60 });
    expect(memory.spec.metrics.map((m: Json) => m.resource.name)).to.deep.equal(['memory']);
  });

  it('selects only the proxy’s and the admin’s Services for scraping', () => {
    const sm = json(serviceMonitorFor(owner));
    expect(sm.spec.selector).to.deep.equal({
      matchLabels: { 'app.kubernetes.io/instance': 'shop', 'prism.io/stack': 'shop' },
      matchExpressions: [
        { key: 'app.kubernetes.io/name', operator: 'In', values: ['prism-proxy', 'prism-admin'] },
      ],
    });
  });
});
