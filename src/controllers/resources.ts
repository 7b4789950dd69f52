// The Kubernetes resources the Prism controllers watch, in one place.
import type { ResourceRef } from '../runtime/informer.js';

const r = (group: string, version: string, plural: string, kind: string): ResourceRef => ({
  group,
  version,
  plural,
  kind,
  namespaced: true,
});

export const RESOURCES = {
  prismPattern: r('prism.io', 'v1alpha1', 'prismpatterns', 'PrismPattern'),
  prismBackend: r('prism.io', 'v1alpha1', 'prismbackends', 'PrismBackend'),
  secret: r('', 'v1', 'secrets', 'Secret'),
  deployment: r('apps', 'v1', 'deployments', 'Deployment'),
  service: r('', 'v1', 'services', 'Service'),
  configMap: r('', 'v1', 'configmaps', 'ConfigMap'),
  podDisruptionBudget: r('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget'),
  hpa: r('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler'),
  scaledObject: r('keda.sh', 'v1alpha1', 'scaledobjects', 'ScaledObject'),
  triggerAuthentication: r('keda.sh', 'v1alpha1', 'triggerauthentications', 'TriggerAuthentication'),
} as const;

export const apiVersionOf = (res: ResourceRef): string =>
  res.group ? `${res.group}/${res.version}` : res.version;
