// Checks both engines share: fields the chosen engine ignores, and the container
// requests that cpu/memory utilization needs.
import type { AutoscalingSpec } from '../api/v1alpha1/common.js';
import { Reason, warning } from './findings.js';
import { DEFAULT_FIELD_PATH, type Finding, type ScaledContainer, type ScalerInput } from './types.js';

export const fieldPath = (input: ScalerInput) => input.fieldPath ?? DEFAULT_FIELD_PATH;
/** Name of the autoscaler objects: ScalerInput.name, else the owner's name. */
export const scaledName = (input: ScalerInput) => input.name ?? input.owner.name;
export const minReplicasOf = (spec: AutoscalingSpec) => spec.minReplicas ?? 1;

/** Warnings for fields set in the spec that the chosen engine does not read. */
export function ignoredFields(
  spec: AutoscalingSpec,
  fields: readonly (keyof AutoscalingSpec)[],
  base: string,
  engine: string,
  hint: string,
): Finding[] {
  return fields
    .filter((f) => spec[f] !== undefined)
    .map((f) => warning(`${base}.${f}`, Reason.IgnoredField, `is ignored by the ${engine} engine; ${hint}`));
}

function hasResource(container: ScaledContainer, resource: string): boolean {
  const r = container.resources;
  // A limit alone is enough: Kubernetes copies it into the missing request.
  return r?.requests?.[resource] !== undefined || r?.limits?.[resource] !== undefined;
}

/**
 * Warnings for containers without a request for `resource`. A warning, not an
 * error: a namespace LimitRange default can supply the request, and it is not visible here.
 */
export function missingRequests(
  containers: readonly ScaledContainer[],
  resource: string,
  path: string,
  consequence: string,
  containerName?: string,
  subject = `${resource} utilization`,
): Finding[] {
  const checked = containerName ? containers.filter((c) => c.name === containerName) : containers;
  return checked
    .filter((c) => !hasResource(c, resource))
    .map((c) =>
      warning(
        path,
        Reason.MissingResourceRequests,
        `${subject} needs a ${resource} request on container "${c.name}", which has none; ` +
          `set spec.resources.requests.${resource} (or a LimitRange default), otherwise ${consequence}`,
      ),
    );
}
