// A minimal reconciler for the test-only Widget kind: one owned ConfigMap,
// a Ready condition, events. It exercises the runtime the way the Prism
// reconcilers will, without any Prism logic.
import type { Obj } from '../../src/runtime/apply.js';
import { setCondition, type Condition } from '../../src/runtime/conditions.js';
import { regardingOf } from '../../src/runtime/events.js';
import type { Manager, ReconcileContext, ReconcileResult, Reconciler } from '../../src/runtime/manager.js';
import { controllerReference, keyOf, toControllerOwner, toSelf } from '../../src/runtime/owners.js';

export const WIDGET = {
  group: 'test.prism.io',
  version: 'v1',
  plural: 'widgets',
  kind: 'Widget',
  namespaced: true,
};
export const CONFIGMAP = {
  group: '',
  version: 'v1',
  plural: 'configmaps',
  kind: 'ConfigMap',
  namespaced: true,
};
export const MANAGED_BY = 'app.kubernetes.io/managed-by';

interface Widget extends Obj {
  spec?: { data?: Record<string, string>; fail?: boolean };
  status?: { conditions?: Condition[]; observedGeneration?: number };
}

export class WidgetReconciler implements Reconciler {
  readonly kind = 'Widget';
  /** Reconciles in flight per key, and the most ever seen at once (must stay 1). */
  readonly inFlight = new Map<string, number>();
  maxInFlightPerKey = 0;
  runs = 0;

  constructor(private readonly mgr: Manager) {}

  static watch(mgr: Manager, namespace?: string): WidgetReconciler {
    mgr.watch('widgets', { resource: WIDGET, namespace, map: toSelf('Widget'), primary: true });
    mgr.watch('configmaps', {
      resource: CONFIGMAP,
      namespace,
      labelSelector: `${MANAGED_BY}=prism-operator`,
      map: toControllerOwner('Widget', WIDGET.group),
    });
    const r = new WidgetReconciler(mgr);
    mgr.register(r);
    return r;
  }

  async reconcile(ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    this.runs++;
    const n = (this.inFlight.get(ctx.key) ?? 0) + 1;
    this.inFlight.set(ctx.key, n);
    this.maxInFlightPerKey = Math.max(this.maxInFlightPerKey, n);
    try {
      return await this.reconcileWidget(ctx);
    } finally {
      this.inFlight.set(ctx.key, (this.inFlight.get(ctx.key) ?? 1) - 1);
    }
  }

  private async reconcileWidget(ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    const widget = this.mgr.cache<Widget>('widgets').get(ctx.namespace, ctx.name);
    if (!widget || widget.metadata.deletionTimestamp) return undefined;
    if (widget.spec?.fail)
      throw new Error(`widget ${keyOf('Widget', ctx.namespace, ctx.name)} asked to fail`);
    const desired: Obj = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: `${ctx.name}-data`,
        namespace: ctx.namespace,
        labels: { [MANAGED_BY]: 'prism-operator' },
        ownerReferences: [controllerReference(widget)],
      },
      data: widget.spec?.data ?? {},
    };
    const current = this.mgr.cache<Obj>('configmaps').get(ctx.namespace, `${ctx.name}-data`);
    const { changed } = await this.mgr.applier.apply(desired, current, ctx.writes);
    if (changed) {
      void this.mgr.recorder.event(regardingOf(widget), {
        type: 'Normal',
        reason: 'ConfigMapApplied',
        action: 'Apply',
        note: `applied ConfigMap ${ctx.name}-data`,
      });
    }
    const generation = widget.metadata.generation ?? 0;
    const conditions = setCondition(
      widget.status?.conditions ?? [],
      {
        type: 'Ready',
        status: 'True',
        reason: 'Synced',
        message: 'ConfigMap is up to date',
        observedGeneration: generation,
      },
      new Date(),
    );
    await this.mgr.applier.patchStatus(widget, { observedGeneration: generation, conditions }, ctx.writes);
    return undefined;
  }
}
