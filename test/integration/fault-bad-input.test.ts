// Fault test R3: hundreds of invalid and hostile specs across the four kinds.
// Each is refused at apply time (schema, CEL, name rules) or accepted and
// reported Ready=False with a reason; the operator keeps running, does not
// hot-loop, leaves valid neighbours (one or more of each kind) alone, and can
// still delete every hostile object, tenants' finalizers included.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { setupPrismBackend, type PrismBackendReconciler } from '../../src/controllers/prismbackend.js';
import { setupPrismNamespace } from '../../src/controllers/prismnamespace.js';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { setupPrismStack } from '../../src/controllers/prismstack.js';
import { KubeApiError } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import type { Obj } from '../../src/runtime/object.js';
import { kubectl, newNamespace } from '../support/env.js';
import { PLURALS, hostileCases, type HostileCase, type PrismKind } from '../support/hostile-specs.js';
import { installKedaCrds } from '../support/keda.js';
import { counterSum, testManager } from '../support/manager.js';
import { inPool, listAll } from '../support/pattern-load.js';
import { crdDir } from '../support/paths.js';
import { deleteTenantNamespaces, releaseTenants } from '../support/tenant-cleanup.js';
import { eventually, sleep } from '../support/wait.js';

/** Every accepted object of these kinds must end Ready=False with a reason. */
const RECONCILED_KINDS: PrismKind[] = ['PrismPattern', 'PrismBackend', 'PrismNamespace', 'PrismStack'];

type Json = Record<string, any>;
const MANAGED = 'app.kubernetes.io/managed-by=prism-operator';
const collection = (ns: string, kind: PrismKind) =>
  `/apis/prism.io/v1alpha1/namespaces/${ns}/${PLURALS[kind]}`;

describe('hostile input (fault test R3)', function () {
  this.timeout(300_000);
  let ns: string;
  let mgr: Manager;
  let backends: PrismBackendReconciler;
  // Tenant Namespaces are cluster-scoped and named after their PrismNamespace: a prefix of
  // this run keeps the hostile ones apart from any other run's (or their terminating leftovers).
  const prefix = `bad${randomBytes(2).toString('hex')}`;
  const tenantNs = () => `${ns}-tenant`;

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    await installKedaCrds(kubectl);
    ns = await newNamespace('hostile');
    mgr = await testManager();
    setupPrismPattern(mgr);
    // Loopback only: no hostile address is ever resolved or dialled.
    backends = setupPrismBackend(mgr, { loopbackOnly: true });
    setupPrismNamespace(mgr, { clusterScope: true, operatorNamespace: 'prism-system' });
    setupPrismStack(mgr);
    await mgr.start();
  });

  /** Deletes every Prism object here while the operator runs (tenants' finalizers need it). */
  const deleteAll = async () => {
    for (const kind of RECONCILED_KINDS)
      await mgr.client.request({ method: 'DELETE', path: collection(ns, kind) });
  };

  after(async () => {
    await deleteAll().catch(() => undefined);
    await releaseTenants(mgr.client, ns);
    backends.stop();
    await mgr.stop();
    // Whatever Namespace a tenant of this file made (the finalizers have deleted them by now).
    await deleteTenantNamespaces(ns);
    // Managers in later files watch every namespace: leave them nothing of ours to reconcile.
    await kubectl('delete', 'namespace', ns, '--timeout=180s');
  });

  const create = async (c: HostileCase): Promise<{ accepted: true } | { accepted: false; code: number }> => {
    try {
      await mgr.client.request({
        method: 'POST',
        path: collection(ns, c.kind),
        // Strict, as kubectl apply is: an unknown field is an error, not silently dropped.
        query: { fieldValidation: 'Strict' },
        body: { apiVersion: 'prism.io/v1alpha1', kind: c.kind, metadata: { name: c.name }, spec: c.spec },
      });
      return { accepted: true };
    } catch (err) {
      if (err instanceof KubeApiError) return { accepted: false, code: err.code };
      throw err;
    }
  };

  const post = (kind: PrismKind, name: string, spec: Json) =>
    mgr.client.request({
      method: 'POST',
      path: collection(ns, kind),
      body: { apiVersion: 'prism.io/v1alpha1', kind, metadata: { name }, spec },
    });

  /** Valid neighbours of every kind, each with children of its own. */
  const createNeighbours = async () => {
    const pattern = {
      pattern: 'consumer',
      backend: 'kafka',
      image: 'registry.invalid/consumer:1',
      config: { 'a.yaml': 'a: 1\n' },
      service: { port: 8080 },
      resources: { requests: { cpu: '100m' } },
    };
    await post('PrismPattern', 'good-plain', pattern);
    await post('PrismPattern', 'good-hpa', {
      ...pattern,
      autoscaling: { enabled: true, scaler: 'hpa', maxReplicas: 3, targetCPUUtilizationPercentage: 60 },
    });
    await post('PrismBackend', 'good-kafka', {
      provider: 'kafka',
      connection: { bootstrapServers: ['127.0.0.1:1'], topic: 'orders' },
      healthCheck: { enabled: false },
    });
    await post('PrismNamespace', 'good-tenant', {
      namespace: tenantNs(),
      quota: { pods: 10, cpu: '2' },
      limits: { defaultRequest: { cpu: '100m' }, default: { cpu: '500m' } },
      isolation: 'strict',
      access: [{ kind: 'Group', name: 'tenant-devs', role: 'edit' }],
    });
    await post('PrismStack', 'good-stack', {
      proxy: { image: 'registry.invalid/prism-proxy:1' },
      admin: { image: 'registry.invalid/prism-admin:1', replicas: 1 },
    });
  };

  /** Children of the valid neighbours, as the fields that change only when someone writes them. */
  const neighbourSnapshot = async () => {
    const snap: Record<string, string> = {};
    const collections = [
      [`/api/v1/namespaces/${ns}/configmaps`, 'rv'],
      [`/api/v1/namespaces/${ns}/services`, 'rv'],
      [`/api/v1/namespaces/${ns}/serviceaccounts`, 'rv'],
      [`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles`, 'rv'],
      [`/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings`, 'rv'],
      [`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, 'generation'],
      [`/apis/apps/v1/namespaces/${ns}/deployments`, 'generation'],
      // The tenant's Namespace and what the operator puts in it.
      [`/api/v1/namespaces`, 'rv'],
      [`/api/v1/namespaces/${tenantNs()}/resourcequotas`, 'spec'],
      [`/api/v1/namespaces/${tenantNs()}/limitranges`, 'rv'],
      [`/apis/networking.k8s.io/v1/namespaces/${tenantNs()}/networkpolicies`, 'generation'],
      [`/apis/rbac.authorization.k8s.io/v1/namespaces/${tenantNs()}/rolebindings`, 'rv'],
    ] as const;
    for (const [path, field] of collections) {
      for (const o of await listAll<Obj & { spec?: unknown }>(mgr.client, path, MANAGED)) {
        const name = o.metadata.name;
        const ours = path.includes(tenantNs()) || name === tenantNs() || name.startsWith('good-');
        if (!ours) continue;
        snap[`${path}/${name}`] =
          field === 'rv'
            ? String(o.metadata.resourceVersion)
            : field === 'spec'
              ? JSON.stringify(o.spec)
              : String(o.metadata.generation);
      }
    }
    return snap;
  };

  const readyOf = (o: Obj & { status?: Json }) =>
    (o.status?.conditions ?? []).find((c: Json) => c.type === 'Ready') as Json | undefined;

  it('refuses each of 500+ hostile specs at apply time or reports it Ready=False, without crashing, hot-looping or touching valid neighbours', async () => {
    await createNeighbours();
    // 2 + 2 + 1 + 2 ConfigMaps, Services, Deployments and the HPA of the patterns, the backend
    // and the stack (proxy and admin, with the admin's ServiceAccount, Role and RoleBinding),
    // then the tenant's Namespace, quota, limits, two NetworkPolicies and a RoleBinding.
    const expected = 7 + 1 + 8 + 6;
    await eventually(async () => Object.keys(await neighbourSnapshot()).length === expected, {
      timeoutMs: 60_000,
      what: `the valid neighbours’ ${expected} children`,
    });
    await eventually(
      async () => {
        const t = await mgr.client.request<Obj & { status?: Json }>({
          method: 'GET',
          path: `${collection(ns, 'PrismNamespace')}/good-tenant`,
        });
        return readyOf(t)?.status === 'True';
      },
      { timeoutMs: 60_000, what: 'the valid tenant to be Ready (its quota enforced)' },
    );
    await sleep(2000); // let the neighbours' own status writes finish
    const before = await neighbourSnapshot();

    const cases = hostileCases(prefix, { unmanagedNamespace: ns, managedNamespace: tenantNs() });
    expect(cases.length).to.be.at.least(500);
    const outcomes = new Map<HostileCase, Awaited<ReturnType<typeof create>>>();
    await inPool(cases, 8, async (c) => outcomes.set(c, await create(c)));

    const serverErrors = cases.filter((c) => {
      const o = outcomes.get(c)!;
      return !o.accepted && ![400, 409, 413, 422].includes(o.code);
    });
    expect(
      serverErrors.map((c) => `${c.kind}: ${c.what}`),
      'refused with other than 400/413/422',
    ).to.deep.equal([]);
    const accepted = cases.filter((c) => outcomes.get(c)!.accepted);

    // Every accepted object of a reconciled kind ends up with status for its generation and Ready=False + reason.
    const notFalse: Record<string, string[]> = {};
    const reasons: Record<string, Record<string, number>> = {};
    for (const kind of RECONCILED_KINDS) {
      const what = new Map(accepted.filter((c) => c.kind === kind).map((c) => [c.name, c.what]));
      const items = await eventually(
        async () => {
          const all = await listAll<Obj & { status?: Json }>(mgr.client, collection(ns, kind));
          const mine = all.filter((o) => what.has(o.metadata.name));
          return mine.every((o) => o.status?.observedGeneration === o.metadata.generation) ? mine : undefined;
        },
        { timeoutMs: 120_000, what: `every accepted hostile ${kind} to get status` },
      );
      notFalse[kind] = items
        .filter((o) => {
          const ready = readyOf(o);
          return !(ready?.status === 'False' && /^[A-Z][A-Za-z]+$/.test(ready.reason) && ready.message);
        })
        .map((o) => `${o.metadata.name}: ${what.get(o.metadata.name)} (Ready ${readyOf(o)?.status})`);
      reasons[kind] = {};
      for (const o of items) {
        const reason = String(readyOf(o)?.reason);
        reasons[kind][reason] = (reasons[kind][reason] ?? 0) + 1;
      }
    }
    expect(notFalse, 'accepted objects without Ready=False and a reason').to.deep.equal(
      Object.fromEntries(RECONCILED_KINDS.map((k) => [k, []])),
    );
    for (const kind of RECONCILED_KINDS) {
      const n = cases.filter((c) => c.kind === kind).length;
      const ok = Object.values(reasons[kind]!).reduce((a, b) => a + b, 0);
      process.stdout.write(
        `      ${kind}: ${n} cases, ${n - ok} refused at apply, ${ok} Ready=False ${JSON.stringify(reasons[kind])}\n`,
      );
    }

    // No hot loop: the operator settles into a 10 s window in which each object is reconciled at most
    // about once. Not necessarily the first window: kube-controller-manager may still be creating the
    // accepted objects' ReplicaSets and Pods, and each Deployment status change it makes is real news
    // to the pattern (and to its stack). A hot loop never settles, so every window would fail.
    const windows: number[] = [];
    for (let w = 0; w < 6; w++) {
      const r0 = await counterSum(mgr, 'controller_runtime_reconcile_total');
      await sleep(10_000);
      windows.push((await counterSum(mgr, 'controller_runtime_reconcile_total')) - r0);
      if (windows.at(-1)! <= accepted.length + 2) break;
    }
    expect(windows.at(-1), `reconciles per 10 s window: ${windows.join(', ')}`).to.be.at.most(
      accepted.length + 2,
    );
    expect(await counterSum(mgr, 'controller_runtime_reconcile_panics_total')).to.equal(0);
    expect(await neighbourSnapshot()).to.deep.equal(before);
  });

  it('deletes every hostile object, none left on a finalizer', async () => {
    await deleteAll();
    for (const kind of RECONCILED_KINDS) {
      await eventually(async () => (await listAll(mgr.client, collection(ns, kind))).length === 0, {
        timeoutMs: 60_000,
        what: `every ${kind} to be gone`,
      });
    }
    await eventually(
      async () =>
        (await listAll(mgr.client, '/api/v1/namespaces', `prism.io/owner-namespace=${ns}`)).length === 0,
      { timeoutMs: 90_000, what: 'every tenant Namespace of this file to be deleted' },
    );
  });
});
