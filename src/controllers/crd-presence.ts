// Whether an optional CRD (KEDA's, the Prometheus Operator's) is installed,
// answered from a watch of that one CRD: no API call per reconcile, and the
// objects that want it are re-queued the moment it appears or goes.
import { stripForCache, type ResourceRef } from '../runtime/informer.js';
import type { Manager } from '../runtime/manager.js';

const CRDS: ResourceRef = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};

/** Watches the CRD `crdName` under `watchName`; `wanting` gives the keys to re-queue when it changes. */
export function watchCrd(mgr: Manager, watchName: string, crdName: string, wanting: () => string[]): void {
  mgr.watch(watchName, {
    resource: CRDS,
    fieldSelector: `metadata.name=${crdName}`,
    // Only its conditions are read; a CRD's schema is large.
    transform: (crd) => {
      const { apiVersion, kind, metadata, status } = stripForCache(crd);
      return { apiVersion, kind, metadata, status };
    },
    map: wanting,
  });
}

/** True once the watched CRD is Established, i.e. its kind is served. */
export function crdEstablished(mgr: Manager, watchName: string, crdName: string): boolean {
  const crd = mgr.cache(watchName).get(undefined, crdName);
  const conditions = (crd?.status as { conditions?: { type: string; status: string }[] } | undefined)
    ?.conditions;
  return conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
}
