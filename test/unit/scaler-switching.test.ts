import { expect } from 'chai';
import type { Obj } from '../../src/runtime/object.js';
import { ScalerError } from '../../src/scaler/findings.js';
import {
  observeAutoscalers,
  planSwitch,
  type ObservedAutoscaler,
  type SwitchPlan,
} from '../../src/scaler/switching.js';
import {
  kedaHpa,
  ourHpa,
  ourScaledObject,
  ourTriggerAuth,
  ownerNamed,
  someoneElsesHpa,
} from './scaler-fixtures.js';

const owner = ownerNamed('orders');
const observe = (...objs: Obj[]) => observeAutoscalers(objs, owner);
const names = (plan: SwitchPlan) => plan.delete.map((r) => `${r.kind}/${r.name}`);

interface Row {
  it: string;
  desired: 'hpa' | 'keda' | undefined;
  cached: Obj[];
  deploymentReplicas?: number;
  expect: { delete: string[]; apply: boolean; reason: string; restoreReplicas?: number };
}

const HPA = 'HorizontalPodAutoscaler/orders';
const SO = 'ScaledObject/orders';
const TA = 'TriggerAuthentication/orders-kafka-0';
const KEDA_HPA = 'HorizontalPodAutoscaler/keda-hpa-orders';

const TABLE: Row[] = [
  {
    it: 'creates the HPA when nothing scales the Deployment yet (disabled → hpa)',
    desired: 'hpa',
    cached: [],
    deploymentReplicas: 2,
    expect: { delete: [], apply: true, reason: 'EngineSelected' },
  },
  {
    it: 'creates the ScaledObject when nothing scales the Deployment yet (disabled → keda)',
    desired: 'keda',
    cached: [],
    deploymentReplicas: 2,
    expect: { delete: [], apply: true, reason: 'EngineSelected' },
  },
  {
    it: 'keeps applying the HPA when the engine is unchanged',
    desired: 'hpa',
    cached: [ourHpa()],
    deploymentReplicas: 3,
    expect: { delete: [], apply: true, reason: 'EngineSelected' },
  },
  {
    it: "keeps applying the ScaledObject, next to KEDA's own HPA, when the engine is unchanged",
    desired: 'keda',
    cached: [ourScaledObject(), ourTriggerAuth(), kedaHpa()],
    deploymentReplicas: 0,
    expect: { delete: [], apply: true, reason: 'EngineSelected' },
  },
  {
    it: 'hpa → keda: deletes the HPA first and waits before creating the ScaledObject',
    desired: 'keda',
    cached: [ourHpa()],
    deploymentReplicas: 3,
    expect: { delete: [HPA], apply: false, reason: 'DeletingPreviousAutoscaler' },
  },
  {
    it: 'hpa → keda: keeps waiting while the HPA is terminating, without deleting it again',
    desired: 'keda',
    cached: [ourHpa({ deleting: true })],
    deploymentReplicas: 3,
    expect: { delete: [], apply: false, reason: 'WaitingForAutoscalerDeletion' },
  },
  {
    it: 'hpa → keda: creates the ScaledObject once the HPA is gone',
    desired: 'keda',
    cached: [],
    deploymentReplicas: 3,
    expect: { delete: [], apply: true, reason: 'EngineSelected' },
  },
  {
    it: "keda → hpa: deletes the ScaledObject and its TriggerAuthentications, leaving KEDA's HPA to the garbage collector",
    desired: 'hpa',
    cached: [ourScaledObject(), ourTriggerAuth(), kedaHpa()],
    deploymentReplicas: 4,
    expect: { delete: [SO, TA], apply: false, reason: 'DeletingPreviousAutoscaler' },
  },
  {
    it: 'keda → hpa: waits while KEDA removes its finalizer',
    desired: 'hpa',
    cached: [ourScaledObject({ deleting: true }), kedaHpa()],
    deploymentReplicas: 4,
    expect: { delete: [], apply: false, reason: 'WaitingForAutoscalerDeletion' },
  },
  {
    it: "keda → hpa: deletes KEDA's HPA itself once the ScaledObject is gone and the HPA lingers",
    desired: 'hpa',
    cached: [kedaHpa()],
    deploymentReplicas: 4,
    expect: { delete: [KEDA_HPA], apply: false, reason: 'DeletingPreviousAutoscaler' },
  },
  {
    it: "keda → hpa: waits for KEDA's terminating HPA",
    desired: 'hpa',
    cached: [kedaHpa({ deleting: true })],
    deploymentReplicas: 4,
    expect: { delete: [], apply: false, reason: 'WaitingForAutoscalerDeletion' },
  },
  {
    it: 'keda → hpa: restores replicas KEDA left at 0 at once, even while waiting',
    desired: 'hpa',
    cached: [ourScaledObject({ deleting: true })],
    deploymentReplicas: 0,
    expect: { delete: [], apply: false, reason: 'WaitingForAutoscalerDeletion', restoreReplicas: 2 },
  },
  {
    it: 'keda → hpa: creates the HPA once everything of KEDA is gone, lifting the Deployment from 0',
    desired: 'hpa',
    cached: [],
    deploymentReplicas: 0,
    expect: { delete: [], apply: true, reason: 'RestoringReplicas', restoreReplicas: 2 },
  },
  {
    it: 'keda → hpa: does not wait on a leftover TriggerAuthentication, which scales nothing',
    desired: 'hpa',
    cached: [ourTriggerAuth()],
    deploymentReplicas: 3,
    expect: { delete: [TA], apply: true, reason: 'EngineSelected' },
  },
  {
    it: 'hpa → disabled: deletes the HPA and restores spec.replicas',
    desired: undefined,
    cached: [ourHpa()],
    deploymentReplicas: 7,
    expect: { delete: [HPA], apply: false, reason: 'DeletingPreviousAutoscaler', restoreReplicas: 3 },
  },
  {
    it: 'keda → disabled: deletes the ScaledObject and restores spec.replicas, even from 0',
    desired: undefined,
    cached: [ourScaledObject(), ourTriggerAuth(), kedaHpa()],
    deploymentReplicas: 0,
    expect: { delete: [SO, TA], apply: false, reason: 'DeletingPreviousAutoscaler', restoreReplicas: 3 },
  },
  {
    it: 'keda → disabled: finishes once nothing is left',
    desired: undefined,
    cached: [],
    deploymentReplicas: 3,
    expect: { delete: [], apply: true, reason: 'AutoscalingDisabled', restoreReplicas: 3 },
  },
  {
    it: 'disabled and never enabled: nothing to delete, spec.replicas applies',
    desired: undefined,
    cached: [someoneElsesHpa()],
    expect: { delete: [], apply: true, reason: 'AutoscalingDisabled', restoreReplicas: 3 },
  },
  {
    it: 'hpa → keda → hpa in quick succession: removes the half-created ScaledObject, keeps the HPA',
    desired: 'hpa',
    cached: [ourHpa(), ourScaledObject()],
    deploymentReplicas: 2,
    expect: { delete: [SO], apply: false, reason: 'DeletingPreviousAutoscaler' },
  },
  {
    it: 'hpa, Deployment scaled to 0 by hand: brings it back to minReplicas (an HPA never scales from 0)',
    desired: 'hpa',
    cached: [ourHpa()],
    deploymentReplicas: 0,
    expect: { delete: [], apply: true, reason: 'RestoringReplicas', restoreReplicas: 2 },
  },
  {
    it: 'keda at 0 replicas is normal: no restore',
    desired: 'keda',
    cached: [ourScaledObject()],
    deploymentReplicas: 0,
    expect: { delete: [], apply: true, reason: 'EngineSelected' },
  },
];

describe('switching engines: the plan', () => {
  for (const row of TABLE) {
    it(row.it, () => {
      const plan = planSwitch({
        desired: row.desired,
        observed: observe(...row.cached),
        replicas: 3,
        minReplicas: 2,
        deploymentReplicas: row.deploymentReplicas,
      });
      expect(names(plan)).to.deep.equal(row.expect.delete);
      expect(plan.apply).to.equal(row.expect.apply);
      expect(plan.reason).to.equal(row.expect.reason);
      expect(plan.verdict).to.equal(row.expect.apply ? 'Apply' : 'Wait');
      expect(plan.restoreReplicas).to.equal(row.expect.restoreReplicas);
    });
  }

  it('never applies a new engine while an autoscaler of another engine still exists, in any table row', () => {
    for (const row of TABLE) {
      const observed = observe(...row.cached);
      const plan = planSwitch({ desired: row.desired, observed, replicas: 3, minReplicas: 2 });
      const others = observed.filter((o) => o.engine !== row.desired && o.scalesWorkload);
      if (others.length) expect(plan.apply, row.it).to.equal(false);
    }
  });

  it('never gets stuck: every stale autoscaler is either deleted now or already on its way out', () => {
    for (const row of TABLE) {
      const observed = observe(...row.cached);
      const plan = planSwitch({ desired: row.desired, observed, replicas: 3, minReplicas: 2 });
      const deleted = new Set(plan.delete.map((r) => r.name));
      const pending = observed.filter((o) => o.engine !== row.desired && !deleted.has(o.ref.name));
      const soGone = !observed.some((o) => o.ref.kind === 'ScaledObject');
      for (const o of pending)
        expect(o.deleting || (o.indirect && !soGone), `${row.it}: ${o.ref.name}`).to.equal(true);
    }
  });

  it('explains what it waits for, naming the object and what removes it', () => {
    const plan = planSwitch({
      desired: 'hpa',
      observed: observe(ourScaledObject({ deleting: true })),
      replicas: 1,
      minReplicas: 1,
    });
    expect(plan.message).to.equal(
      "waiting for ScaledObject orders (keda engine), which waits on its finalizers (a ScaledObject needs KEDA's operator running) before the hpa engine's objects are created",
    );
  });

  it('deletes with the uid, so an object re-created under the same name is left alone', () => {
    const plan = planSwitch({
      desired: 'keda',
      observed: observe(ourHpa({ uid: 'hpa-1' })),
      replicas: 1,
      minReplicas: 1,
    });
    expect(plan.delete).to.deep.equal([
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        namespace: 'shop',
        name: 'orders',
        uid: 'hpa-1',
      },
    ]);
  });

  it('refuses an engine nobody registered', () => {
    expect(() => planSwitch({ desired: 'vpa', observed: [], replicas: 1, minReplicas: 1 })).to.throw(
      ScalerError,
      'scaler "vpa"',
    );
  });
});

describe('switching engines: what the caches hold', () => {
  it("sorts the pattern's HPA, ScaledObject, TriggerAuthentications and KEDA's HPA by engine, and ignores the rest", () => {
    const observed = observe(
      ourHpa(),
      ourScaledObject({ deleting: true }),
      ourTriggerAuth(),
      kedaHpa(),
      someoneElsesHpa(),
      ourHpa({}, 'billing'),
    );
    expect(
      observed.map((o: ObservedAutoscaler) => [
        o.engine,
        o.ref.kind,
        o.ref.name,
        o.scalesWorkload,
        o.indirect,
        o.deleting,
      ]),
    ).to.deep.equal([
      ['hpa', 'HorizontalPodAutoscaler', 'orders', true, false, false],
      ['keda', 'ScaledObject', 'orders', true, false, true],
      ['keda', 'TriggerAuthentication', 'orders-kafka-0', false, false, false],
      ['keda', 'HorizontalPodAutoscaler', 'keda-hpa-orders', true, true, false],
    ]);
  });

  it("recognises KEDA's HPA under a custom name by its scaledobject.keda.sh/name label", () => {
    const custom: Obj = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: {
        name: 'orders-scaler',
        namespace: 'shop',
        labels: { 'scaledobject.keda.sh/name': 'orders' },
      },
    };
    expect(observe(custom).map((o) => [o.engine, o.indirect])).to.deep.equal([['keda', true]]);
  });
});
