// The PrismStack's ServiceMonitor (Prometheus Operator). Optional twice over:
// the user asks for it, and its CRD must be installed. The CRD is watched, so
// "is it installed?" costs no API call, and stacks that want a ServiceMonitor
// are re-queued the moment the CRD appears.
import { KubeApiError } from '../runtime/kube-client.js';
import type { Manager, ReconcileContext } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';
import { keyOf, toControllerOwner } from '../runtime/owners.js';
import { MANAGED_SELECTOR, type Owner } from '../resources/meta.js';
import { SERVICE_MONITOR_API_VERSION, serviceMonitorFor } from '../resources/stack-children.js';
import type { ChildWriter } from './child-writer.js';
import { crdEstablished, watchCrd } from './crd-presence.js';
import { RESOURCES } from './resources.js';
import type { PrismStack } from './prismstack-types.js';

const CRD_WATCH = 'servicemonitor-crd';
const SERVICE_MONITOR_CRD = 'servicemonitors.monitoring.coreos.com';
const CACHE = 'servicemonitors';

export interface MonitoringOutcome {
  status: 'True' | 'False';
  reason: string;
  message: string;
}

export const wantsServiceMonitor = (stack: PrismStack) => stack.spec.observability?.serviceMonitor === true;

export class ServiceMonitorStep {
  constructor(private readonly mgr: Manager) {}

  watch(): void {
    watchCrd(this.mgr, CRD_WATCH, SERVICE_MONITOR_CRD, () => {
      this.mgr.mapper.invalidate(SERVICE_MONITOR_API_VERSION);
      return this.mgr
        .cache<PrismStack>('prismstacks')
        .list()
        .filter(wantsServiceMonitor)
        .map((s) => keyOf('PrismStack', s.metadata.namespace, s.metadata.name));
    });
  }

  /** Starts watching ServiceMonitors once their CRD is served; false while it is not. */
  private async served(): Promise<boolean> {
    if (!crdEstablished(this.mgr, CRD_WATCH, SERVICE_MONITOR_CRD)) return false;
    if (!this.mgr.watching(CACHE)) {
      this.mgr.watch(CACHE, {
        resource: RESOURCES.serviceMonitor,
        labelSelector: MANAGED_SELECTOR,
        map: toControllerOwner('PrismStack', RESOURCES.prismStack.group),
      });
      await this.mgr.cache(CACHE).waitForSync(30_000);
    }
    return true;
  }

  async reconcile(
    ctx: ReconcileContext,
    stack: PrismStack,
    owner: Owner,
    writer: ChildWriter,
  ): Promise<MonitoringOutcome> {
    try {
      return await this.reconcileMonitor(ctx, stack, owner, writer);
    } catch (err) {
      // The CRD went away after we used it: forget what discovery said and report it missing.
      if (!(err instanceof KubeApiError && err.code === 404)) throw err;
      this.mgr.mapper.invalidate(SERVICE_MONITOR_API_VERSION);
      return crdMissing();
    }
  }

  private async reconcileMonitor(
    ctx: ReconcileContext,
    stack: PrismStack,
    owner: Owner,
    writer: ChildWriter,
  ): Promise<MonitoringOutcome> {
    const served = await this.served();
    const current = served ? this.mgr.cache<Obj>(CACHE).get(ctx.namespace, owner.name) : undefined;
    if (!wantsServiceMonitor(stack)) {
      if (current) await writer.remove(current, 'observability.serviceMonitor is off');
      return {
        status: 'True',
        reason: 'ServiceMonitorNotRequested',
        message: 'observability.serviceMonitor is off',
      };
    }
    if (!served) return crdMissing();
    await writer.apply(CACHE, serviceMonitorFor(owner));
    return {
      status: 'True',
      reason: 'ServiceMonitorReady',
      message: `ServiceMonitor ${owner.name} scrapes the proxy and admin metrics ports`,
    };
  }
}

function crdMissing(): MonitoringOutcome {
  return {
    status: 'False',
    reason: 'ServiceMonitorCRDMissing',
    message: `observability.serviceMonitor is on but the ${SERVICE_MONITOR_CRD} CRD is not installed; install the Prometheus Operator (the stack creates the ServiceMonitor once it is) or turn serviceMonitor off`,
  };
}
