// Fault test R5: deleting every kind that has children leaves nothing labelled
// app.kubernetes.io/managed-by=prism-operator behind once the garbage
// collector has run. Searched across every listable namespaced resource in
// the test namespace, so a child kind nobody thought of is caught too.
import { expect } from 'chai';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl, newNamespace } from '../support/env.js';
import { installKedaCrds } from '../support/keda.js';
import { testManager } from '../support/manager.js';
import { listAll, loadSpec } from '../support/pattern-load.js';
import { crdDir } from '../support/paths.js';
import { eventually } from '../support/wait.js';

type Json = Record<string, unknown>;
const MANAGED = 'app.kubernetes.io/managed-by=prism-operator';

interface OwnerKind {
  kind: string;
  plural: string;
  /** Objects of this kind to create (each with children). */
  specs: Record<string, Json>;
  /** Child paths that must exist before deletion, so the test cannot pass by creating nothing. */
  expectChildren: (ns: string) => string[];
}

/** Every kind with children. PrismBackend, PrismNamespace and PrismStack join when their reconcilers land. */
const OWNER_KINDS: OwnerKind[] = [
  {
    kind: 'PrismPattern',
    plural: 'prismpatterns',
    specs: {
      hpa: { ...loadSpec(0), disruption: { minAvailable: 1 } },
      keda: loadSpec(1),
      plain: { pattern: 'consumer', backend: 'kafka', image: 'registry.invalid/consumer:1' },
    },
    expectChildren: (ns) => [
      `/apis/apps/v1/namespaces/${ns}/deployments/hpa`,
      `/apis/policy/v1/namespaces/${ns}/poddisruptionbudgets/hpa`,
      `/apis/autoscaling/v2/namespaces/${ns}/horizontalpodautoscalers/hpa`,
      `/apis/keda.sh/v1alpha1/namespaces/${ns}/scaledobjects/keda`,
      `/api/v1/namespaces/${ns}/services/keda`,
      `/api/v1/namespaces/${ns}/configmaps/keda-config`,
      `/apis/apps/v1/namespaces/${ns}/deployments/plain`,
    ],
  },
];

describe('no orphans after deletion (fault test R5)', function () {
  this.timeout(180_000);
  let ns: string;
  let mgr: Manager;

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    await installKedaCrds(kubectl);
    ns = await newNamespace('orphans');
    mgr = await testManager();
    setupPrismPattern(mgr);
    await mgr.start();
  });

  after(async () => {
    await mgr.stop();
    // Managers in later files watch every namespace: leave them nothing of ours to reconcile.
    await kubectl('delete', 'namespace', ns, '--timeout=180s');
  });

  /** Every object in the namespace that says the operator manages it, whatever its kind. */
  const managedLeft = async (): Promise<string[]> => {
    const kinds = (await kubectl('api-resources', '--namespaced', '--verbs=list', '-o', 'name'))
      .split('\n')
      .filter((k) => k && k !== 'events' && k !== 'events.events.k8s.io');
    const out = await kubectl(
      'get',
      kinds.join(','),
      '-n',
      ns,
      '-l',
      MANAGED,
      '-o',
      'name',
      '--ignore-not-found',
    );
    return out.split('\n').filter((l) => l.trim() !== '');
  };

  it('leaves no object labelled managed-by=prism-operator once every owner is deleted and GC has run', async () => {
    for (const k of OWNER_KINDS) {
      for (const [name, spec] of Object.entries(k.specs)) {
        await mgr.client.request({
          method: 'POST',
          path: `/apis/prism.io/v1alpha1/namespaces/${ns}/${k.plural}`,
          body: { apiVersion: 'prism.io/v1alpha1', kind: k.kind, metadata: { name }, spec },
        });
      }
    }
    for (const k of OWNER_KINDS) {
      for (const path of k.expectChildren(ns)) {
        await eventually(() => mgr.client.request({ method: 'GET', path }), {
          timeoutMs: 60_000,
          what: path,
        });
      }
    }
    // ReplicaSets and Pods carry the pod template's labels, so they are searched too.
    expect((await managedLeft()).length).to.be.greaterThan(7);

    for (const k of OWNER_KINDS) {
      await mgr.client.request({
        method: 'DELETE',
        path: `/apis/prism.io/v1alpha1/namespaces/${ns}/${k.plural}`,
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background' },
      });
    }
    for (const k of OWNER_KINDS) {
      await eventually(
        async () =>
          (await listAll(mgr.client, `/apis/prism.io/v1alpha1/namespaces/${ns}/${k.plural}`)).length === 0,
        { timeoutMs: 60_000, what: `every ${k.kind} to be gone` },
      );
    }
    const left = await eventually(async () => ((await managedLeft()).length === 0 ? [] : undefined), {
      timeoutMs: 90_000,
      intervalMs: 2000,
      what: 'the garbage collector to remove every managed object',
    }).catch(async () => managedLeft());
    expect(left).to.deep.equal([]);
  });
});
