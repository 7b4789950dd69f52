// Fault test R3: hundreds of invalid and hostile specs across the four kinds.
// Each is refused at apply time (schema, CEL, name rules) or accepted and
// reported Ready=False with a reason; the operator keeps running, does not
// hot-loop, and leaves valid neighbours' children alone.
import { expect } from 'chai';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { KubeApiError } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import type { Obj } from '../../src/runtime/object.js';
import { kubectl, newNamespace } from '../support/env.js';
import { PLURALS, hostileCases, type HostileCase, type PrismKind } from '../support/hostile-specs.js';
import { installKedaCrds } from '../support/keda.js';
import { counterSum, testManager } from '../support/manager.js';
import { inPool, listAll } from '../support/pattern-load.js';
import { crdDir } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';

/** Kinds whose reconciler runs on this branch; the others are only checked for refusal at apply time. */
const RECONCILED_KINDS: PrismKind[] = ['PrismPattern'];

type Json = Record<string, any>;
const collection = (ns: string, kind: PrismKind) =>
  `/apis/prism.io/v1alpha1/namespaces/${ns}/${PLURALS[kind]}`;

describe('hostile input (fault test R3)', function () {
  this.timeout(300_000);
  let ns: string;
  let mgr: Manager;

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    await installKedaCrds(kubectl);
    ns = await newNamespace('hostile');
    mgr = await testManager();
    setupPrismPattern(mgr);
    await mgr.start();
  });

  after(async () => {
    await mgr.stop();
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

  /** Children of the valid neighbours, as the fields that change only when someone writes them. */
  const neighbourSnapshot = async () => {
    const snap: Record<string, string> = {};
    for (const [path, field] of [
      [`/api/v1/namespaces/${ns}/configmaps`, 'rv'],
      [`/api/v1/namespaces/${ns}/services`, 'rv'],
      [`/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers`, 'generation'],
      [`/apis/apps/v1/namespaces/${ns}/deployments`, 'generation'],
    ] as const) {
      for (const o of await listAll(mgr.client, path, 'app.kubernetes.io/managed-by=prism-operator')) {
        if (!o.metadata.name.startsWith('good-')) continue;
        snap[`${path}/${o.metadata.name}`] =
          field === 'rv' ? String(o.metadata.resourceVersion) : String(o.metadata.generation);
      }
    }
    return snap;
  };

  it('refuses each of 500+ hostile specs at apply time or reports it Ready=False, without crashing, hot-looping or touching valid neighbours', async () => {
    for (const [name, autoscaling] of [
      ['good-plain', undefined],
      ['good-hpa', { enabled: true, scaler: 'hpa', maxReplicas: 3, targetCPUUtilizationPercentage: 60 }],
    ] as const) {
      await mgr.client.request({
        method: 'POST',
        path: collection(ns, 'PrismPattern'),
        body: {
          apiVersion: 'prism.io/v1alpha1',
          kind: 'PrismPattern',
          metadata: { name },
          spec: {
            pattern: 'consumer',
            backend: 'kafka',
            image: 'registry.invalid/consumer:1',
            config: { 'a.yaml': 'a: 1\n' },
            service: { port: 8080 },
            resources: { requests: { cpu: '100m' } },
            ...(autoscaling ? { autoscaling } : {}),
          },
        },
      });
    }
    await eventually(async () => Object.keys(await neighbourSnapshot()).length === 7, {
      timeoutMs: 60_000,
      what: 'the valid patterns’ ConfigMaps, Services, Deployments and HPA',
    });
    await sleep(2000); // let the neighbours' own status writes finish
    const before = await neighbourSnapshot();

    const cases = hostileCases();
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
    for (const kind of RECONCILED_KINDS) {
      const names = new Set(accepted.filter((c) => c.kind === kind).map((c) => c.name));
      const unresolved = await eventually(
        async () => {
          const items = await listAll<Obj & { status?: Json }>(mgr.client, collection(ns, kind));
          const pending = items.filter(
            (o) => names.has(o.metadata.name) && o.status?.observedGeneration !== o.metadata.generation,
          );
          return pending.length === 0 ? items : undefined;
        },
        { timeoutMs: 120_000, what: `every accepted hostile ${kind} to get status` },
      );
      const notFalse = unresolved
        .filter((o) => names.has(o.metadata.name))
        .filter((o) => {
          const ready = (o.status?.conditions ?? []).find((c: Json) => c.type === 'Ready');
          return !(ready?.status === 'False' && /^[A-Z][A-Za-z]+$/.test(ready.reason) && ready.message);
        })
        .map((o) => o.metadata.name);
      expect(notFalse, `accepted ${kind}s without Ready=False and a reason`).to.deep.equal([]);
    }

    // No hot loop: in a quiet 10 s, each object is reconciled at most about once.
    const r0 = await counterSum(mgr, 'controller_runtime_reconcile_total');
    await sleep(10_000);
    const quietReconciles = (await counterSum(mgr, 'controller_runtime_reconcile_total')) - r0;
    expect(quietReconciles).to.be.at.most(accepted.length + 2);
    expect(await counterSum(mgr, 'controller_runtime_reconcile_panics_total')).to.equal(0);
    expect(await neighbourSnapshot()).to.deep.equal(before);
  });
});
