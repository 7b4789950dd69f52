// Reading an observed autoscaler's status into the pattern's ScalerStatus shape.
import type { ScalerStatus } from '../api/v1alpha1/prismpattern.js';
import type { Obj } from '../runtime/object.js';
import type { AutoscalingSpec } from '../api/v1alpha1/common.js';
import { isObject } from './behavior.js';
import { minReplicasOf } from './spec-checks.js';

export type ScalerCondition = NonNullable<ScalerStatus['conditions']>[number];

export const numberAt = (obj: unknown, key: string): number | undefined =>
  isObject(obj) && typeof obj[key] === 'number' ? obj[key] : undefined;

/** The status block, or undefined while the autoscaler's controller has not written one. */
export const statusOf = (observed: Obj | undefined) =>
  isObject(observed?.status) ? observed.status : undefined;

/** The observed object's conditions of the given types; empty reasons and messages are left out. */
export function pickConditions(status: Record<string, unknown>, types: readonly string[]): ScalerCondition[] {
  const conditions = Array.isArray(status.conditions) ? (status.conditions as unknown[]) : [];
  return conditions.filter(isObject).flatMap((c) => {
    if (typeof c.type !== 'string' || !types.includes(c.type)) return [];
    const out: ScalerCondition = { type: c.type, status: String(c.status) };
    if (typeof c.reason === 'string' && c.reason) out.reason = c.reason;
    if (typeof c.message === 'string' && c.message) out.message = c.message;
    return [out];
  });
}

export const conditionIsTrue = (conditions: readonly ScalerCondition[], type: string) =>
  conditions.some((c) => c.type === type && c.status === 'True');

/**
 * What every engine reports before its controller has written a status: the
 * engine, the object name and the bounds (as observed, else as specified).
 */
export function boundsStatus(
  engine: ScalerStatus['engine'],
  name: string,
  observed: Obj | undefined,
  spec: AutoscalingSpec,
  fields: { min: string; max: string },
): ScalerStatus {
  const out: ScalerStatus = {
    engine,
    objectName: name,
    minReplicas: numberAt(observed?.spec, fields.min) ?? minReplicasOf(spec),
  };
  const max = numberAt(observed?.spec, fields.max) ?? spec.maxReplicas;
  if (max !== undefined) out.maxReplicas = max;
  return out;
}
