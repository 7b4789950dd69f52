// What the engines are asked about a pattern: its autoscaling spec, its Deployment
// and its container. Shared by the reconciler and the admission webhook, so both
// check a spec with the same rules.
import type { AutoscalingSpec, ResourceRequirements } from '../api/v1alpha1/common.js';
import type { Owner } from '../resources/meta.js';
import { CONTAINER_NAME } from '../resources/pattern.js';
import { ScalerError, error } from './findings.js';
import { engineFor } from './registry.js';
import { DEFAULT_FIELD_PATH, type Finding, type ScalerInput } from './types.js';

/** The parts of a pattern spec (a PrismPattern's, or a PrismStack entry's) the scaler reads. */
export interface ScaledPatternSpec {
  autoscaling?: AutoscalingSpec;
  resources?: ResourceRequirements;
}

export function patternScalerInput(owner: Owner, spec: ScaledPatternSpec, fieldPath?: string): ScalerInput {
  return {
    owner,
    spec: spec.autoscaling ?? {},
    target: { apiVersion: 'apps/v1', kind: 'Deployment', name: owner.name },
    containers: [{ name: CONTAINER_NAME, resources: spec.resources }],
    ...(fieldPath ? { fieldPath } : {}),
  };
}

/** Errors and warnings of the pattern's autoscaler; none when autoscaling is off. */
export function patternScalerFindings(owner: Owner, spec: ScaledPatternSpec, fieldPath?: string): Finding[] {
  return scalerFindings(patternScalerInput(owner, spec, fieldPath));
}

/** Errors and warnings of an autoscaler input (with any backend-derived metadata); none when off. */
export function scalerFindings(input: ScalerInput): Finding[] {
  if (input.spec.enabled !== true) return [];
  try {
    return engineFor(input.spec).validate(input);
  } catch (err) {
    if (!(err instanceof ScalerError)) throw err;
    return [error(`${input.fieldPath ?? DEFAULT_FIELD_PATH}.scaler`, err.reason, err.message)];
  }
}
