// Fault test R5: deleting every kind that has children leaves nothing labelled
// app.kubernetes.io/managed-by=prism-operator behind once the garbage
// collector, the tenants' finalizer and the namespace controller have run.
// Searched across every listable resource, namespaced (the test namespace and
// the tenant Namespaces) and cluster-scoped (the tenant Namespaces
// themselves), so a child kind nobody thought of is caught too. The one
// exception is a tenant with deletionPolicy: Retain, whose Namespace stays,
// released from the operator's labels.
import { expect } from 'chai';
import { setupPrismBackend, type PrismBackendReconciler } from '../../src/controllers/prismbackend.js';
import { setupPrismNamespace } from '../../src/controllers/prismnamespace.js';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { setupPrismStack } from '../../src/controllers/prismstack.js';
import { roleBindingName } from '../../src/resources/tenant-access.js';
import { isNotFound } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import type { Obj } from '../../src/runtime/object.js';
import { kubectl, newNamespace } from '../support/env.js';
import { installKedaCrds } from '../support/keda.js';
import { testManager } from '../support/manager.js';
import { listAll, loadSpec } from '../support/pattern-load.js';
import { crdDir } from '../support/paths.js';
import { deleteTenantNamespaces, releaseTenants } from '../support/tenant-cleanup.js';
import { eventually } from '../support/wait.js';

type Json = Record<string, any>;
const MANAGED = 'app.kubernetes.io/managed-by=prism-operator';
const PRISM = '/apis/prism.io/v1alpha1';
const core = (ns: string, plural: string, name: string) => `/api/v1/namespaces/${ns}/${plural}/${name}`;
const rbac = (ns: string, plural: string, name: string) =>
  `/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/${plural}/${name}`;
const policy = (ns: string, name: string) =>
  `/apis/networking.k8s.io/v1/namespaces/${ns}/networkpolicies/${name}`;
const deployment = (ns: string, name: string) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`;

interface OwnerKind {
  kind: string;
  plural: string;
  /** Objects of this kind to create in namespace `ns` (each with children). */
  specs: (ns: string) => Record<string, Json>;
  /** Child paths that must exist before deletion, so the test cannot pass by creating nothing. */
  expectChildren: (ns: string) => string[];
}

/** A backend that is never probed (nothing here dials anything). */
const quietBackend = (address: string) => ({
  provider: 'kafka',
  connection: { bootstrapServers: [address] },
  healthCheck: { enabled: false },
});
const access = { kind: 'Group' as const, name: 'tenant-devs', role: 'edit' as const };
// Tenant Namespaces are cluster-scoped: each is named after the test namespace, never by default
// after its PrismNamespace, so no other file's or run's tenant can be in the way.
const tenantNs = (ns: string) => `${ns}-tenant`;
const keptNs = (ns: string) => `${ns}-kept`;
const teamNs = (ns: string) => `${ns}-team`;

/** Every kind with children, in creation order (deleted in the reverse order). */
const OWNER_KINDS: OwnerKind[] = [
  {
    kind: 'PrismPattern',
    plural: 'prismpatterns',
    specs: () => ({
      hpa: { ...loadSpec(0), disruption: { minAvailable: 1 } },
      keda: loadSpec(1),
      plain: { pattern: 'consumer', backend: 'kafka', image: 'registry.invalid/consumer:1' },
    }),
    expectChildren: (ns) => [
      deployment(ns, 'hpa'),
      `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/hpa`,
      `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/hpa`,
      `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects/keda`,
      core(ns, 'services', 'keda'),
      core(ns, 'configmaps', 'keda-config'),
      deployment(ns, 'plain'),
    ],
  },
  {
    kind: 'PrismBackend',
    plural: 'prismbackends',
    specs: () => ({ events: quietBackend('127.0.0.1:1') }),
    expectChildren: (ns) => [core(ns, 'configmaps', 'events-connection')],
  },
  {
    kind: 'PrismNamespace',
    plural: 'prismnamespaces',
    specs: (ns) => ({
      tenant: {
        namespace: tenantNs(ns),
        quota: { pods: 10, cpu: '2' },
        limits: { defaultRequest: { cpu: '100m' }, default: { cpu: '500m' } },
        isolation: 'strict',
        access: [access],
      },
      kept: { namespace: keptNs(ns), quota: { pods: 4 }, access: [access], deletionPolicy: 'Retain' },
    }),
    expectChildren: (ns) => [
      `/api/v1/namespaces/${tenantNs(ns)}`,
      core(tenantNs(ns), 'resourcequotas', 'prism-quota'),
      core(tenantNs(ns), 'limitranges', 'prism-limits'),
      policy(tenantNs(ns), 'prism-isolation-ingress'),
      policy(tenantNs(ns), 'prism-isolation-egress'),
      rbac(tenantNs(ns), 'rolebindings', roleBindingName(access, tenantNs(ns))),
      `/api/v1/namespaces/${keptNs(ns)}`,
      core(keptNs(ns), 'resourcequotas', 'prism-quota'),
      policy(keptNs(ns), 'prism-isolation-ingress'),
      rbac(keptNs(ns), 'rolebindings', roleBindingName(access, keptNs(ns))),
    ],
  },
  {
    kind: 'PrismStack',
    plural: 'prismstacks',
    specs: (ns) => ({
      shop: {
        proxy: { image: 'registry.invalid/prism/proxy:1' },
        admin: { image: 'registry.invalid/prism/admin:1', replicas: 1 },
        backends: [{ name: 'kafka', ...quietBackend('127.0.0.1:2') }],
        namespaces: [{ name: 'team', namespace: teamNs(ns), quota: { pods: 5 } }],
        patterns: [
          {
            name: 'orders',
            pattern: 'consumer',
            backend: 'kafka',
            backendRef: { name: 'kafka' },
            image: 'registry.invalid/prism/consumer:1',
          },
        ],
      },
    }),
    expectChildren: (ns) => [
      deployment(ns, 'shop-proxy'),
      core(ns, 'services', 'shop-proxy'),
      core(ns, 'configmaps', 'shop-proxy-config'),
      deployment(ns, 'shop-admin'),
      core(ns, 'services', 'shop-admin'),
      core(ns, 'serviceaccounts', 'shop-admin'),
      rbac(ns, 'roles', 'shop-admin-leader-election'),
      rbac(ns, 'rolebindings', 'shop-admin-leader-election'),
      // The child custom resources, and what their own reconcilers make of them.
      `${PRISM}/namespaces/${ns}/prismbackends/shop-kafka`,
      core(ns, 'configmaps', 'shop-kafka-connection'),
      `${PRISM}/namespaces/${ns}/prismpatterns/shop-orders`,
      deployment(ns, 'shop-orders'),
      `${PRISM}/namespaces/${ns}/prismnamespaces/shop-team`,
      `/api/v1/namespaces/${teamNs(ns)}`,
      core(teamNs(ns), 'resourcequotas', 'prism-quota'),
    ],
  },
];

describe('no orphans after deletion (fault test R5)', function () {
  this.timeout(300_000);
  let ns: string;
  let mgr: Manager;
  let backends: PrismBackendReconciler;

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    await installKedaCrds(kubectl);
    ns = await newNamespace('orphans');
    mgr = await testManager();
    setupPrismPattern(mgr);
    backends = setupPrismBackend(mgr, { loopbackOnly: true });
    setupPrismNamespace(mgr, { clusterScope: true, operatorNamespace: 'prism-system' });
    setupPrismStack(mgr);
    await mgr.start();
  });

  const ownersPath = (k: OwnerKind) => `${PRISM}/namespaces/${ns}/${k.plural}`;
  const deleteOwners = async () => {
    for (const k of [...OWNER_KINDS].reverse()) {
      await mgr.client.request({
        method: 'DELETE',
        path: ownersPath(k),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
      });
    }
  };

  after(async () => {
    // Only left over when the test failed; the tenants' finalizer needs the operator running.
    await deleteOwners().catch(() => undefined);
    await releaseTenants(mgr.client, ns);
    backends.stop();
    await mgr.stop();
    // The retained Namespace (no longer labelled), and any tenant Namespace a failure left behind.
    await kubectl('delete', 'namespace', keptNs(ns), '--ignore-not-found', '--timeout=180s');
    await deleteTenantNamespaces(ns);
    // Managers in later files watch every namespace: leave them nothing of ours to reconcile.
    await kubectl('delete', 'namespace', ns, '--timeout=180s');
  });

  /** Every object in the cluster that says the operator manages it, whatever its kind and scope. */
  const managedEverywhere = async (): Promise<Set<string>> => {
    const kinds = (await kubectl('api-resources', '--verbs=list', '-o', 'name'))
      .split('\n')
      .filter((k) => k && k !== 'events' && k !== 'events.events.k8s.io');
    const out = await kubectl(
      'get',
      kinds.join(','),
      '--all-namespaces',
      '-l',
      MANAGED,
      '-o',
      'json',
      '--ignore-not-found',
    );
    // Nothing found prints nothing at all.
    const list = (out.trim() ? JSON.parse(out) : { items: [] }) as { items: Obj[] };
    return new Set(
      list.items.map(
        (o) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`,
      ),
    );
  };

  const get = (path: string) => mgr.client.request<Json>({ method: 'GET', path });
  const tryGet = (path: string) =>
    get(path).catch((err: unknown) => {
      if (isNotFound(err)) return undefined;
      throw err;
    });

  it('leaves no object labelled managed-by=prism-operator once every owner is deleted, except what Retain keeps, released', async () => {
    // Managed objects other files left in the cluster are not this test's to judge.
    const preexisting = await managedEverywhere();
    for (const k of OWNER_KINDS) {
      for (const [name, spec] of Object.entries(k.specs(ns))) {
        await mgr.client.request({
          method: 'POST',
          path: ownersPath(k),
          body: { apiVersion: 'prism.io/v1alpha1', kind: k.kind, metadata: { name }, spec },
        });
      }
    }
    for (const k of OWNER_KINDS) {
      for (const path of k.expectChildren(ns)) {
        await eventually(() => get(path), { timeoutMs: 60_000, what: path });
      }
    }
    // The search sees the test namespace, cluster-scoped Namespaces and what is inside them.
    // (ReplicaSets and Pods carry the pod template's labels, so they are searched too.)
    const before = await managedEverywhere();
    for (const key of [
      `Deployment ${ns}/shop-orders`,
      `Namespace ${tenantNs(ns)}`,
      `NetworkPolicy ${tenantNs(ns)}/prism-isolation-egress`,
      `Namespace ${teamNs(ns)}`,
      `ResourceQuota ${teamNs(ns)}/prism-quota`,
      `Namespace ${keptNs(ns)}`,
    ]) {
      expect([...before], key).to.include(key);
    }
    expect([...before].filter((k) => !preexisting.has(k)).length).to.be.greaterThan(35);

    await deleteOwners();
    for (const k of OWNER_KINDS) {
      await eventually(async () => (await listAll(mgr.client, ownersPath(k))).length === 0, {
        timeoutMs: 90_000,
        what: `every ${k.kind} to be gone`,
      });
    }
    const leftover = async () => [...(await managedEverywhere())].filter((k) => !preexisting.has(k));
    const left = await eventually(async () => ((await leftover()).length === 0 ? [] : undefined), {
      timeoutMs: 120_000,
      intervalMs: 2000,
      what: 'the garbage collector and the namespace controller to remove every managed object',
    }).catch(async () => leftover());
    expect(left).to.deep.equal([]);

    // Retain: the Namespace and its content stay, no longer claimed by the operator.
    const kept = await get(`/api/v1/namespaces/${keptNs(ns)}`);
    expect(kept.metadata.deletionTimestamp).to.equal(undefined);
    expect(kept.status.phase).to.equal('Active');
    const claims = (o: Json) =>
      Object.keys(o.metadata.labels ?? {}).filter(
        (l) => l === 'app.kubernetes.io/managed-by' || l.startsWith('prism.io/owner-'),
      );
    expect(claims(kept)).to.deep.equal([]);
    const quota = await get(core(keptNs(ns), 'resourcequotas', 'prism-quota'));
    expect(quota.spec.hard).to.deep.equal({ pods: '4' });
    expect(claims(quota)).to.deep.equal([]);
    // Deleted tenants take their Namespaces with them.
    for (const gone of [tenantNs(ns), teamNs(ns)]) {
      const left = await tryGet(`/api/v1/namespaces/${gone}`);
      expect(left, `Namespace ${gone}`).to.equal(undefined);
    }
  });
});
