// Pure builders for a PrismPattern's workload children: Deployment, Service,
// ConfigMap and PodDisruptionBudget. Spec in, Kubernetes object out.
import type { PrismPatternSpec } from '../api/v1alpha1/prismpattern.js';
import { contentHash } from '../runtime/object-diff.js';
import type { Obj } from '../runtime/object.js';
import { childLabels, childMeta, selectorLabels, type Owner } from './meta.js';

export const PATTERN_COMPONENT = 'prism-pattern';
export const CONTAINER_NAME = 'runner';
export const CONFIG_DIR = '/etc/prism/config';
export const CONFIG_CHECKSUM_ANNOTATION = 'prism.io/config-checksum';
const DEFAULT_SERVICE_PORT = 8080;

export const configMapName = (pattern: string) => `${pattern}-config`;

/** Environment and volumes a PrismBackend contributes (connection ConfigMap, secret references). */
export interface BackendBinding {
  env: Record<string, unknown>[];
  envFrom: Record<string, unknown>[];
  /** Pod-template annotations, e.g. a checksum of the connection so a change rolls the pods. */
  podAnnotations?: Record<string, string>;
}

function patternLabels(spec: PrismPatternSpec): Record<string, string> {
  // Editable fields live in labels only, never in the selector, so changing them is safe.
  return { 'prism.io/pattern': spec.pattern, 'prism.io/backend': spec.backend };
}

export function autoscalingEnabled(spec: PrismPatternSpec): boolean {
  return spec.autoscaling?.enabled === true;
}

export function configMapFor(owner: Owner, spec: PrismPatternSpec): Obj | undefined {
  if (!spec.config || Object.keys(spec.config).length === 0) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(owner, configMapName(owner.name), PATTERN_COMPONENT, { labels: patternLabels(spec) }),
    data: spec.config,
  };
}

const DEFAULT_POD_SECURITY = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };
const DEFAULT_CONTAINER_SECURITY = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

function containerFor(spec: PrismPatternSpec, backend: BackendBinding | undefined): Record<string, unknown> {
  const hasConfig = Boolean(spec.config && Object.keys(spec.config).length);
  const env: Record<string, unknown>[] = [
    { name: 'PRISM_PATTERN', value: spec.pattern },
    { name: 'PRISM_BACKEND', value: spec.backend },
    ...(hasConfig ? [{ name: 'PRISM_CONFIG_DIR', value: CONFIG_DIR }] : []),
    ...(backend?.env ?? []),
    ...(spec.env ?? []),
  ];
  const mounts: Record<string, unknown>[] = [{ name: 'tmp', mountPath: '/tmp' }];
  if (hasConfig) mounts.push({ name: 'config', mountPath: CONFIG_DIR, readOnly: true });
  const container: Record<string, unknown> = {
    name: CONTAINER_NAME,
    image: spec.image,
    env,
    volumeMounts: mounts,
    securityContext: spec.securityContext ?? DEFAULT_CONTAINER_SECURITY,
  };
  if (spec.imagePullPolicy) container.imagePullPolicy = spec.imagePullPolicy;
  if (spec.command) container.command = spec.command;
  if (spec.args) container.args = spec.args;
  if (backend?.envFrom.length) container.envFrom = backend.envFrom;
  if (spec.resources) container.resources = spec.resources;
  if (spec.service) {
    container.ports = [
      { name: 'grpc', containerPort: spec.service.port ?? DEFAULT_SERVICE_PORT, protocol: 'TCP' },
    ];
  }
  if (spec.livenessProbe) container.livenessProbe = spec.livenessProbe;
  if (spec.readinessProbe) container.readinessProbe = spec.readinessProbe;
  return container;
}

function podSpecFor(
  owner: Owner,
  spec: PrismPatternSpec,
  backend: BackendBinding | undefined,
): Record<string, unknown> {
  const p = spec.placement ?? {};
  const podSpec: Record<string, unknown> = {
    securityContext: spec.podSecurityContext ?? DEFAULT_POD_SECURITY,
    containers: [containerFor(spec, backend)],
    volumes: [
      { name: 'tmp', emptyDir: {} },
      ...(spec.config && Object.keys(spec.config).length
        ? [{ name: 'config', configMap: { name: configMapName(owner.name) } }]
        : []),
    ],
  };
  const optional: Record<string, unknown> = {
    serviceAccountName: spec.serviceAccountName,
    imagePullSecrets: spec.imagePullSecrets,
    nodeSelector: p.nodeSelector,
    affinity: p.affinity,
    tolerations: p.tolerations,
    topologySpreadConstraints: p.topologySpreadConstraints,
    priorityClassName: p.priorityClassName,
    runtimeClassName: p.runtimeClassName,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) podSpec[k] = v;
  return podSpec;
}

/**
 * The Deployment. With autoscaling on, `spec.replicas` is left out so the HPA
 * (or KEDA's HPA) owns it and server-side apply never resets it.
 */
export function deploymentFor(owner: Owner, spec: PrismPatternSpec, backend?: BackendBinding): Obj {
  const annotations: Record<string, string> = {
    ...(backend?.podAnnotations ?? {}),
    ...(spec.podAnnotations ?? {}),
  };
  if (spec.config && Object.keys(spec.config).length) {
    // A config change changes the pod template, which rolls the pods.
    annotations[CONFIG_CHECKSUM_ANNOTATION] = contentHash(spec.config);
  }
  const deploymentSpec: Record<string, unknown> = {
    selector: { matchLabels: selectorLabels(PATTERN_COMPONENT, owner.name) },
    template: {
      metadata: {
        labels: childLabels(PATTERN_COMPONENT, owner.name, patternLabels(spec)),
        ...(Object.keys(annotations).length ? { annotations } : {}),
      },
      spec: podSpecFor(owner, spec, backend),
    },
  };
  if (!autoscalingEnabled(spec)) deploymentSpec.replicas = spec.replicas ?? 1;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: childMeta(owner, owner.name, PATTERN_COMPONENT, { labels: patternLabels(spec) }),
    spec: deploymentSpec,
  };
}

export function serviceFor(owner: Owner, spec: PrismPatternSpec): Obj | undefined {
  if (!spec.service) return undefined;
  const port = spec.service.port ?? DEFAULT_SERVICE_PORT;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: childMeta(owner, owner.name, PATTERN_COMPONENT, {
      labels: patternLabels(spec),
      annotations: spec.service.annotations,
    }),
    spec: {
      type: spec.service.type ?? 'ClusterIP',
      selector: selectorLabels(PATTERN_COMPONENT, owner.name),
      ports: [{ name: 'grpc', port, targetPort: port, protocol: 'TCP' }],
    },
  };
}

export function pdbFor(owner: Owner, spec: PrismPatternSpec): Obj | undefined {
  if (!spec.disruption) return undefined;
  const budget =
    spec.disruption.minAvailable !== undefined
      ? { minAvailable: spec.disruption.minAvailable }
      : { maxUnavailable: spec.disruption.maxUnavailable };
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: childMeta(owner, owner.name, PATTERN_COMPONENT, { labels: patternLabels(spec) }),
    spec: { selector: { matchLabels: selectorLabels(PATTERN_COMPONENT, owner.name) }, ...budget },
  };
}
