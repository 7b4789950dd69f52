// Pieces the proxy's and the admin's Deployments and Services share. Pure.
import type { PlacementSpec, ResourceRequirements } from '../api/v1alpha1/common.js';
import type { ObservabilitySpec } from '../api/v1alpha1/prismstack.js';
import type { Obj } from '../runtime/object.js';
import { childLabels, childMeta, selectorLabels, type Owner } from './meta.js';
import { DEFAULT_CONTAINER_SECURITY, DEFAULT_POD_SECURITY, placementFields } from './pattern.js';
import { metricsPort, stackLabels } from './stack-meta.js';

export interface WorkloadParts {
  name: string;
  component: string;
  container: {
    name: string;
    image: string;
    port: number;
    env: Record<string, unknown>[];
    resources?: ResourceRequirements;
    volumeMounts?: Record<string, unknown>[];
  };
  /** Undefined leaves spec.replicas to an autoscaler. */
  replicas: number | undefined;
  placement?: PlacementSpec;
  observability?: ObservabilitySpec;
  volumes?: Record<string, unknown>[];
  podAnnotations?: Record<string, string>;
  serviceAccountName?: string;
}

/** Tracing reaches the workloads as the standard OpenTelemetry variable. */
export function observabilityEnv(o: ObservabilitySpec | undefined): Record<string, unknown>[] {
  return [
    { name: 'PRISM_METRICS_PORT', value: String(metricsPort(o)) },
    ...(o?.tracingEndpoint ? [{ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: o.tracingEndpoint }] : []),
  ];
}

export function workloadDeployment(owner: Owner, w: WorkloadParts): Obj {
  const c = w.container;
  const container: Record<string, unknown> = {
    name: c.name,
    image: c.image,
    env: [...c.env, ...observabilityEnv(w.observability)],
    ports: [
      { name: 'grpc', containerPort: c.port, protocol: 'TCP' },
      { name: 'metrics', containerPort: metricsPort(w.observability), protocol: 'TCP' },
    ],
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, ...(c.volumeMounts ?? [])],
    securityContext: DEFAULT_CONTAINER_SECURITY,
  };
  if (c.resources) container.resources = c.resources;
  const podSpec: Record<string, unknown> = {
    securityContext: DEFAULT_POD_SECURITY,
    containers: [container],
    volumes: [{ name: 'tmp', emptyDir: {} }, ...(w.volumes ?? [])],
    ...(w.serviceAccountName ? { serviceAccountName: w.serviceAccountName } : {}),
    ...placementFields(w.placement),
  };
  const instance = owner.name;
  const spec: Record<string, unknown> = {
    selector: { matchLabels: selectorLabels(w.component, instance) },
    template: {
      metadata: {
        labels: childLabels(w.component, instance, stackLabels(instance)),
        ...(w.podAnnotations && Object.keys(w.podAnnotations).length
          ? { annotations: w.podAnnotations }
          : {}),
      },
      spec: podSpec,
    },
  };
  if (w.replicas !== undefined) spec.replicas = w.replicas;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(owner, w.name, w.component, { labels: stackLabels(instance) }),
    spec,
  };
}

export interface ServiceParts {
  name: string;
  component: string;
  port: number;
  targetPort: number;
  type?: string;
  annotations?: Record<string, string>;
  observability?: ObservabilitySpec;
}

/** A Service for the gRPC port plus the metrics port (which the ServiceMonitor scrapes). */
export function workloadService(owner: Owner, s: ServiceParts): Obj {
  const metrics = metricsPort(s.observability);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(owner, s.name, s.component, {
      labels: stackLabels(owner.name),
      annotations: s.annotations,
    }),
    spec: {
      type: s.type ?? 'ClusterIP',
      selector: selectorLabels(s.component, owner.name),
      ports: [
        { name: 'grpc', port: s.port, targetPort: s.targetPort, protocol: 'TCP' },
        { name: 'metrics', port: metrics, targetPort: metrics, protocol: 'TCP' },
      ],
    },
  };
}
