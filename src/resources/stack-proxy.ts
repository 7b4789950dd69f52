// Pure builders for a PrismStack's proxy: its ConfigMap (what the proxy needs
// to know about the stack), Deployment, Service and autoscaler input.
import { stringify } from 'yaml';
import type { AutoscalingSpec } from '../api/v1alpha1/common.js';
import type { PrismStackSpec } from '../api/v1alpha1/prismstack.js';
import { contentHash } from '../runtime/object-diff.js';
import type { Obj } from '../runtime/object.js';
import type { ScalerInput } from '../scaler/types.js';
import { childMeta, type Owner } from './meta.js';
import { CONFIG_CHECKSUM_ANNOTATION } from './pattern.js';
import {
  PROXY_COMPONENT,
  adminEnabled,
  adminEndpoint,
  childName,
  metricsPort,
  proxyConfigName,
  proxyName,
  proxyPort,
  stackLabels,
} from './stack-meta.js';
import { workloadDeployment, workloadService } from './stack-workload.js';

export const PROXY_CONTAINER = 'proxy';
export const PROXY_CONFIG_DIR = '/etc/prism/proxy';
export const PROXY_CONFIG_FILE = 'proxy.yaml';
/** The proxy's HPA scales on CPU unless the spec names other targets. */
export const DEFAULT_PROXY_CPU_TARGET = 80;

/** The proxy's view of the stack: where the admin is, and the backends, namespaces and patterns by name. */
export function proxyConfig(owner: Owner, spec: PrismStackSpec): Record<string, unknown> {
  const stack = owner.name;
  return {
    listen: { port: proxyPort(spec) },
    metrics: { port: metricsPort(spec.observability) },
    ...(spec.observability?.tracingEndpoint
      ? { tracing: { endpoint: spec.observability.tracingEndpoint } }
      : {}),
    admin: adminEnabled(spec) ? { endpoint: adminEndpoint(stack, owner.namespace, spec) } : null,
    backends: (spec.backends ?? []).map((b) => ({
      name: b.name,
      provider: b.provider,
      prismBackend: childName(stack, b.name),
    })),
    namespaces: (spec.namespaces ?? []).map((n) => ({
      name: n.name,
      namespace: n.namespace ?? childName(stack, n.name),
      prismNamespace: childName(stack, n.name),
    })),
    patterns: (spec.patterns ?? []).map((p) => ({
      name: p.name,
      pattern: p.pattern,
      backend: p.backend,
      prismPattern: childName(stack, p.name),
      ...(p.backendRef ? { prismBackend: childName(stack, p.backendRef.name) } : {}),
    })),
  };
}

export function proxyConfigMapFor(owner: Owner, spec: PrismStackSpec): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(owner, proxyConfigName(owner.name), PROXY_COMPONENT, {
      labels: stackLabels(owner.name),
    }),
    data: { [PROXY_CONFIG_FILE]: stringify(proxyConfig(owner, spec)) },
  };
}

const proxyAutoscaled = (spec: PrismStackSpec) => spec.proxy.autoscaling?.enabled === true;

/** The proxy Deployment; a change of its ConfigMap changes the pod template, which rolls the proxies. */
export function proxyDeploymentFor(owner: Owner, spec: PrismStackSpec, configMap: Obj): Obj {
  const p = spec.proxy;
  const env: Record<string, unknown>[] = [
    { name: 'PRISM_PROXY_CONFIG', value: `${PROXY_CONFIG_DIR}/${PROXY_CONFIG_FILE}` },
  ];
  if (adminEnabled(spec)) {
    env.push({ name: 'PRISM_ADMIN_ENDPOINT', value: adminEndpoint(owner.name, owner.namespace, spec) });
  }
  return workloadDeployment(owner, {
    name: proxyName(owner.name),
    component: PROXY_COMPONENT,
    container: {
      name: PROXY_CONTAINER,
      image: p.image,
      port: proxyPort(spec),
      env,
      resources: p.resources,
      volumeMounts: [{ name: 'config', mountPath: PROXY_CONFIG_DIR, readOnly: true }],
    },
    replicas: proxyAutoscaled(spec) ? undefined : (p.replicas ?? 2),
    placement: p.placement,
    observability: spec.observability,
    volumes: [{ name: 'config', configMap: { name: configMap.metadata.name } }],
    podAnnotations: { [CONFIG_CHECKSUM_ANNOTATION]: contentHash(configMap.data) },
  });
}

export function proxyServiceFor(owner: Owner, spec: PrismStackSpec): Obj {
  const s = spec.proxy.service ?? {};
  return workloadService(owner, {
    name: proxyName(owner.name),
    component: PROXY_COMPONENT,
    port: s.port ?? proxyPort(spec),
    targetPort: proxyPort(spec),
    type: s.type,
    annotations: s.annotations,
    observability: spec.observability,
  });
}

/** The proxy's autoscaling spec: an HPA on CPU unless the spec names its own targets. */
export function proxyAutoscaling(spec: PrismStackSpec): AutoscalingSpec {
  const a = spec.proxy.autoscaling ?? {};
  const hasTargets =
    a.targetCPUUtilizationPercentage !== undefined ||
    a.targetMemoryUtilizationPercentage !== undefined ||
    (a.metrics?.length ?? 0) > 0;
  if ((a.scaler ?? 'hpa') !== 'hpa' || hasTargets) return a;
  return { ...a, targetCPUUtilizationPercentage: DEFAULT_PROXY_CPU_TARGET };
}

/** What the shared scaler step needs to scale <stack>-proxy; the stack owns the autoscaler. */
export function proxyScalerInput(owner: Owner, spec: PrismStackSpec): ScalerInput {
  const name = proxyName(owner.name);
  return {
    owner,
    name,
    spec: proxyAutoscaling(spec),
    target: { apiVersion: 'apps/v1', kind: 'Deployment', name },
    containers: [{ name: PROXY_CONTAINER, resources: spec.proxy.resources }],
    component: PROXY_COMPONENT,
    labels: stackLabels(owner.name),
    fieldPath: 'spec.proxy.autoscaling',
  };
}
