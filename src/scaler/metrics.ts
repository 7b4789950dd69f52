// Validation of autoscaling/v2 MetricSpecs passed through to the HPA: the API
// server's one-of rules, plus the type/field agreement it does not check (a
// mismatch passes admission and then fails in the HPA controller).
import { isObject } from './behavior.js';
import { error, orList, quote, Reason } from './findings.js';
import { isDnsLabel, parseQuantity } from './formats.js';
import type { Finding } from './types.js';

type Json = Record<string, unknown>;

const SOURCE_MEMBER = {
  Resource: 'resource',
  Pods: 'pods',
  Object: 'object',
  External: 'external',
  ContainerResource: 'containerResource',
} as const;
type SourceType = keyof typeof SOURCE_MEMBER;

const TARGET_TYPES: Record<SourceType, readonly string[]> = {
  Resource: ['Utilization', 'AverageValue'],
  ContainerResource: ['Utilization', 'AverageValue'],
  Pods: ['AverageValue'],
  Object: ['Value', 'AverageValue'],
  External: ['Value', 'AverageValue'],
};
const TARGET_FIELD: Record<string, string> = {
  Utilization: 'averageUtilization',
  Value: 'value',
  AverageValue: 'averageValue',
};

const invalid = (path: string, problem: string) => error(path, Reason.InvalidMetric, problem);
const isSourceType = (t: unknown): t is SourceType => typeof t === 'string' && t in SOURCE_MEMBER;
const nonEmpty = (v: unknown) => typeof v === 'string' && v !== '';

function validateTargetValue(target: Json, type: string, path: string): Finding[] {
  const field = TARGET_FIELD[type]!;
  const value = target[field];
  if (type === 'Utilization') {
    const ok = typeof value === 'number' && Number.isInteger(value) && value >= 1;
    return ok ? [] : [invalid(`${path}.${field}`, `must be an integer percentage >= 1, got ${quote(value)}`)];
  }
  const ok = (typeof value === 'string' || typeof value === 'number') && (parseQuantity(value) ?? 0) > 0;
  return ok
    ? []
    : [invalid(`${path}.${field}`, `must be a quantity > 0 such as "10" or "500m", got ${quote(value)}`)];
}

function validateTarget(target: unknown, allowed: readonly string[], path: string): Finding[] {
  if (!isObject(target))
    return [invalid(path, 'is required: {type, and averageUtilization, averageValue or value}')];
  if (typeof target.type !== 'string' || !allowed.includes(target.type)) {
    return [invalid(`${path}.type`, `must be ${orList(allowed)} for this metric, got ${quote(target.type)}`)];
  }
  const type = target.type;
  const field = TARGET_FIELD[type]!;
  const extra = Object.values(TARGET_FIELD).filter((f) => f !== field && target[f] !== undefined);
  return [
    ...extra.map((f) => invalid(`${path}.${f}`, `must not be set with type ${type} (set only ${field})`)),
    ...validateTargetValue(target, type, path),
  ];
}

function validateMetricIdentifier(metric: unknown, path: string): Finding[] {
  return isObject(metric) && nonEmpty(metric.name)
    ? []
    : [invalid(`${path}.name`, 'is required: the metric name')];
}

function validateSourceFields(type: SourceType, source: Json, path: string): Finding[] {
  switch (type) {
    case 'Resource':
      return nonEmpty(source.name) ? [] : [invalid(`${path}.name`, 'is required, e.g. cpu or memory')];
    case 'ContainerResource':
      return [
        ...(nonEmpty(source.name) ? [] : [invalid(`${path}.name`, 'is required, e.g. cpu or memory')]),
        ...(typeof source.container === 'string' && isDnsLabel(source.container)
          ? []
          : [
              invalid(`${path}.container`, `must be the name of a container, got ${quote(source.container)}`),
            ]),
      ];
    case 'Object':
      return [
        ...validateMetricIdentifier(source.metric, `${path}.metric`),
        ...validateDescribedObject(source.describedObject, `${path}.describedObject`),
      ];
    case 'Pods':
    case 'External':
      return validateMetricIdentifier(source.metric, `${path}.metric`);
  }
}

function validateDescribedObject(ref: unknown, path: string): Finding[] {
  if (!isObject(ref)) return [invalid(path, 'is required: {apiVersion, kind, name}')];
  return ['kind', 'name'].filter((k) => !nonEmpty(ref[k])).map((k) => invalid(`${path}.${k}`, 'is required'));
}

export function validateMetric(metric: unknown, path: string): Finding[] {
  if (!isObject(metric)) return [invalid(path, 'must be an object {type, <source>}')];
  if (!isSourceType(metric.type)) {
    return [
      invalid(`${path}.type`, `must be ${orList(Object.keys(SOURCE_MEMBER))}, got ${quote(metric.type)}`),
    ];
  }
  const member = SOURCE_MEMBER[metric.type];
  const others = Object.values(SOURCE_MEMBER).filter((m) => m !== member && metric[m] !== undefined);
  const findings = others.map((m) =>
    invalid(`${path}.${m}`, `must not be set for type ${String(metric.type)}; set only ${member}`),
  );
  const source = metric[member];
  if (!isObject(source))
    return [...findings, invalid(`${path}.${member}`, `is required for type ${metric.type}`)];
  return [
    ...findings,
    ...validateSourceFields(metric.type, source, `${path}.${member}`),
    ...validateTarget(source.target, TARGET_TYPES[metric.type], `${path}.${member}.target`),
  ];
}
