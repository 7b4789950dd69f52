// Small building blocks for the CRD schemas. Each returns plain JSON Schema
// (TypeBox), so one definition gives the TypeScript type, the ajv validator
// and the CRD's structural openAPIV3Schema.
import { Type, type SchemaOptions, type TSchema, type TUnsafe } from '@sinclair/typebox';

/** A CEL rule evaluated by the API server (x-kubernetes-validations). */
export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

export const cel = (...rules: CelRule[]) => ({ 'x-kubernetes-validations': rules });

/**
 * A Kubernetes type passed through to a child object unchanged (affinity,
 * tolerations, probes, ...). Preserved rather than pruned; the API server
 * validates it when the child is applied, and a failure reaches the status.
 */
export function k8sObject<T = Record<string, unknown>>(description: string): TUnsafe<T> {
  return Type.Unsafe<T>({ type: 'object', description, 'x-kubernetes-preserve-unknown-fields': true });
}

export function k8sList<T = Record<string, unknown>>(
  description: string,
  opts: SchemaOptions = {},
): TUnsafe<T[]> {
  return Type.Unsafe<T[]>({
    type: 'array',
    description,
    items: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    ...opts,
  });
}

const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** A resource quantity ("500m", "1Gi", 2), as Kubernetes accepts it. */
export function quantity(description = 'A resource quantity, e.g. 500m or 1Gi.'): TUnsafe<string | number> {
  return Type.Unsafe<string | number>({
    description,
    'x-kubernetes-int-or-string': true,
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    pattern: QUANTITY_PATTERN,
  });
}

/** An integer or a percentage string ("25%"), as PodDisruptionBudgets take. */
export function intOrPercent(description: string): TUnsafe<string | number> {
  return Type.Unsafe<string | number>({
    description,
    'x-kubernetes-int-or-string': true,
    // Structural schemas allow only the two bare types here, so the percent format is a CEL rule.
    anyOf: [{ type: 'integer' }, { type: 'string' }],
    ...cel({
      rule: "type(self) == int || self.matches('^[0-9]+%$')",
      message: 'must be a number or a percentage like 25%',
    }),
  });
}

/**
 * A 32-bit integer. The API server does not enforce `format: int32` on custom
 * resources (2^31 is stored, then overflows in the Deployment built from it), so the
 * range is spelled out; a field's own minimum or maximum narrows it.
 */
export const INT32_MAX = 2 ** 31 - 1;
export const int32 = (opts: SchemaOptions = {}) =>
  Type.Integer({ format: 'int32', minimum: -INT32_MAX - 1, maximum: INT32_MAX, ...opts });

export const stringMap = (description: string, opts: SchemaOptions = {}) =>
  Type.Record(Type.String(), Type.String(), { description, ...opts });

/** A DNS-1123 label: what names of Kubernetes objects built from this value must be. */
export const dnsLabel = (description: string, opts: SchemaOptions = {}) =>
  Type.String({
    description,
    minLength: 1,
    maxLength: 63,
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    ...opts,
  });

export const enumOf = <T extends string>(values: readonly T[], opts: SchemaOptions = {}) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...opts });

export type { TSchema };
