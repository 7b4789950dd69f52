// Validates a spec against the same schema the CRD is generated from, for
// places the API server's own validation does not reach (the render CLI,
// objects created before a CRD upgrade) and for checks CEL cannot express.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';

// strictTypes off: Kubernetes int-or-string nodes put `pattern` beside an anyOf of integer|string.
const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, useDefaults: false });
ajv.addVocabulary([
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-validations',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
]);
for (const f of ['int32', 'int64', 'date-time']) ajv.addFormat(f, true);

const compiled = new WeakMap<TSchema, ValidateFunction>();

export interface SchemaProblem {
  path: string;
  message: string;
}

function describe(err: ErrorObject, root: string): SchemaProblem {
  const path = `${root}${err.instancePath.replace(/\/(\d+)(?=\/|$)/g, '[$1]').replace(/\//g, '.')}`;
  const extra =
    err.keyword === 'enum'
      ? `: ${(err.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
      : err.keyword === 'additionalProperties'
        ? ` (${(err.params as { additionalProperty: string }).additionalProperty})`
        : '';
  return { path, message: `${err.message ?? 'is invalid'}${extra}` };
}

/** Schema problems of `value`, each with the field path (e.g. spec.autoscaling.maxReplicas). */
export function schemaProblems(schema: TSchema, value: unknown, root = 'spec'): SchemaProblem[] {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = ajv.compile(JSON.parse(JSON.stringify(schema)) as object);
    compiled.set(schema, validate);
  }
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => describe(e, root));
}
