// The hpa engine: an autoscaling/v2 HorizontalPodAutoscaler named after the
// pattern, from cpu/memory utilization targets, extra metrics and behavior.
import type { AutoscalingSpec } from '../api/v1alpha1/common.js';
import type { ScalerStatus } from '../api/v1alpha1/prismpattern.js';
import { childMeta } from '../resources/meta.js';
import type { Obj } from '../runtime/object.js';
import { cleanBehavior, isObject, validateBehavior } from './behavior.js';
import { error, quote, Reason } from './findings.js';
import { validateMetric } from './metrics.js';
import { fieldPath, ignoredFields, minReplicasOf, missingRequests, scaledName } from './spec-checks.js';
import { boundsStatus, conditionIsTrue, numberAt, pickConditions, statusOf } from './status.js';
import { DEFAULT_COMPONENT, type Finding, type ScalerEngine, type ScalerInput } from './types.js';

export const HPA_API_VERSION = 'autoscaling/v2';
export const HPA_KIND = 'HorizontalPodAutoscaler';
const HPA_CONDITIONS = ['AbleToScale', 'ScalingActive', 'ScalingLimited'];
const KEDA_ONLY_FIELDS = [
  'triggers',
  'pollingInterval',
  'cooldownPeriod',
  'initialCooldownPeriod',
  'idleReplicaCount',
  'fallback',
  'advanced',
  'paused',
  'pausedReplicas',
] as const;
const NO_REQUEST_CONSEQUENCE = 'the HPA cannot compute utilization and does not scale';

type Json = Record<string, unknown>;

const utilizationMetric = (resource: string, percent: number): Json => ({
  type: 'Resource',
  resource: { name: resource, target: { type: 'Utilization', averageUtilization: percent } },
});

/** cpu, then memory utilization, then the user's metrics in their order. */
export function metricsFor(spec: AutoscalingSpec): Json[] {
  const metrics: Json[] = [];
  if (spec.targetCPUUtilizationPercentage !== undefined) {
    metrics.push(utilizationMetric('cpu', spec.targetCPUUtilizationPercentage));
  }
  if (spec.targetMemoryUtilizationPercentage !== undefined) {
    metrics.push(utilizationMetric('memory', spec.targetMemoryUtilizationPercentage));
  }
  return [...metrics, ...(spec.metrics ?? [])];
}

export function hpaFor(input: ScalerInput): Obj {
  const { owner, spec, target } = input;
  const hpaSpec: Json = {
    scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
    minReplicas: minReplicasOf(spec),
    maxReplicas: spec.maxReplicas,
  };
  const metrics = metricsFor(spec);
  // Without metrics the API server defaults to 80% cpu; leaving the key out keeps that default.
  if (metrics.length) hpaSpec.metrics = metrics;
  const behavior = cleanBehavior(spec.behavior);
  if (behavior) hpaSpec.behavior = behavior;
  return {
    apiVersion: HPA_API_VERSION,
    kind: HPA_KIND,
    metadata: childMeta(owner, scaledName(input), input.component ?? DEFAULT_COMPONENT, {
      labels: input.labels,
    }),
    spec: hpaSpec,
  };
}

function validateReplicas(spec: AutoscalingSpec, base: string): Finding[] {
  const findings: Finding[] = [];
  const min = minReplicasOf(spec);
  if (min < 1) {
    findings.push(
      error(
        `${base}.minReplicas`,
        Reason.InvalidAutoscaling,
        `must be at least 1 with the hpa engine, got ${min}; an HPA cannot scale to zero, use scaler: keda for that`,
      ),
    );
  }
  if (spec.maxReplicas === undefined) {
    findings.push(
      error(`${base}.maxReplicas`, Reason.InvalidAutoscaling, 'is required when autoscaling is enabled'),
    );
  } else if (spec.maxReplicas < Math.max(min, 1)) {
    findings.push(
      error(
        `${base}.maxReplicas`,
        Reason.InvalidAutoscaling,
        `must be at least 1 and at least minReplicas (${min}), got ${spec.maxReplicas}`,
      ),
    );
  }
  return findings;
}

function validatePercent(spec: AutoscalingSpec, key: keyof AutoscalingSpec, base: string): Finding[] {
  const v = spec[key];
  if (v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 1)) return [];
  return [
    error(`${base}.${key}`, Reason.InvalidMetric, `must be an integer percentage >= 1, got ${quote(v)}`),
  ];
}

/** Resources whose utilization the HPA computes from requests: explicit targets, metrics, or the implicit cpu default. */
function utilizationRequests(input: ScalerInput, base: string): Finding[] {
  const { spec, containers } = input;
  const findings: Finding[] = [];
  const metrics = metricsFor(spec);
  if (metrics.length === 0) {
    findings.push(
      ...missingRequests(
        containers,
        'cpu',
        base,
        `${NO_REQUEST_CONSEQUENCE} (no metric is set, so the HPA uses 80% cpu)`,
      ),
    );
  }
  if (spec.targetCPUUtilizationPercentage !== undefined) {
    findings.push(
      ...missingRequests(containers, 'cpu', `${base}.targetCPUUtilizationPercentage`, NO_REQUEST_CONSEQUENCE),
    );
  }
  if (spec.targetMemoryUtilizationPercentage !== undefined) {
    findings.push(
      ...missingRequests(
        containers,
        'memory',
        `${base}.targetMemoryUtilizationPercentage`,
        NO_REQUEST_CONSEQUENCE,
      ),
    );
  }
  (spec.metrics ?? []).forEach((m, i) =>
    findings.push(...metricRequests(m, containers, `${base}.metrics[${i}]`)),
  );
  return findings;
}

function metricRequests(metric: Json, containers: ScalerInput['containers'], path: string): Finding[] {
  const source =
    metric.type === 'Resource'
      ? metric.resource
      : metric.type === 'ContainerResource'
        ? metric.containerResource
        : undefined;
  if (!isObject(source) || !isObject(source.target) || source.target.type !== 'Utilization') return [];
  const container = typeof source.container === 'string' ? source.container : undefined;
  return missingRequests(containers, String(source.name), path, NO_REQUEST_CONSEQUENCE, container);
}

export function validateHpa(input: ScalerInput): Finding[] {
  const { spec } = input;
  const base = fieldPath(input);
  return [
    ...validateReplicas(spec, base),
    ...validatePercent(spec, 'targetCPUUtilizationPercentage', base),
    ...validatePercent(spec, 'targetMemoryUtilizationPercentage', base),
    ...(spec.metrics ?? []).flatMap((m, i) => validateMetric(m, `${base}.metrics[${i}]`)),
    ...validateBehavior(spec.behavior, `${base}.behavior`),
    ...utilizationRequests(input, base),
    ...ignoredFields(spec, KEDA_ONLY_FIELDS, base, 'hpa', 'set scaler: keda to use it'),
  ];
}

/**
 * Status from the observed HPA. Until the HPA controller has written a status
 * (or before the HPA exists), only the engine, name and bounds.
 */
export function hpaStatus(observed: Obj | undefined, input: ScalerInput): ScalerStatus {
  const out = boundsStatus('hpa', scaledName(input), observed, input.spec, {
    min: 'minReplicas',
    max: 'maxReplicas',
  });
  const status = statusOf(observed);
  if (!status) return out;
  const current = numberAt(status, 'currentReplicas');
  const desired = numberAt(status, 'desiredReplicas');
  if (current !== undefined) out.currentReplicas = current;
  if (desired !== undefined) out.desiredReplicas = desired;
  if (typeof status.lastScaleTime === 'string') out.lastScaleTime = status.lastScaleTime;
  out.conditions = pickConditions(status, HPA_CONDITIONS);
  out.active = conditionIsTrue(out.conditions, 'ScalingActive');
  return out;
}

export const hpaEngine: ScalerEngine = {
  name: 'hpa',
  kinds: [{ apiVersion: HPA_API_VERSION, kind: HPA_KIND, scalesWorkload: true }],
  scalesFromZero: false,
  validate: validateHpa,
  desired: (input) => [hpaFor(input)],
  status: hpaStatus,
};
