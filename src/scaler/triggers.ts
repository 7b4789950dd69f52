// KEDA triggers: resolving metadata (derived under explicit, every value a
// string, the deprecated cpu/memory form translated) and validating it with an
// ajv schema per trigger type plus the scaler's cross-field rules.
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { SecretTargetRef, TriggerSpec } from '../api/v1alpha1/common.js';
import { error, orList, quote, Reason, warning } from './findings.js';
import { FORMATS, type FormatName } from './formats.js';
import { isResourceTrigger, TRIGGER_TYPES, type TriggerType } from './trigger-catalog.js';
import { TriggerContext, type ParamTable, type ResolvedTrigger } from './trigger-context.js';
import type { Finding, ScaledContainer, ScalerInput } from './types.js';

export { TRIGGER_TYPES, isResourceTrigger } from './trigger-catalog.js';
export type { ResolvedTrigger } from './trigger-context.js';

const FROM_ENV = 'FromEnv';
const RESOURCE_METRIC_TYPES = ['Utilization', 'AverageValue'];

// ---------------------------------------------------------------- resolving

/** KEDA's metadata is map[string]string: numbers and booleans become strings, anything else is refused. */
function stringify(raw: TriggerSpec['metadata'], path: string) {
  const metadata: Record<string, string> = {};
  const findings: Finding[] = [];
  for (const [key, value] of Object.entries(raw ?? {})) {
    const v: unknown = value;
    if (typeof v === 'string') metadata[key] = v;
    else if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean')
      metadata[key] = String(v);
    else {
      findings.push(
        error(
          `${path}.metadata.${key}`,
          Reason.InvalidTrigger,
          `must be a string, number or boolean (KEDA takes only strings), got ${Array.isArray(v) ? 'a list' : quote(v)}`,
        ),
      );
    }
  }
  return { metadata, findings };
}

/** Whether explicit metadata already gives `key`, directly or as `<key>FromEnv` (or the reverse). */
function coveredBy(explicit: Record<string, string>, key: string): boolean {
  const base = key.endsWith(FROM_ENV) ? key.slice(0, -FROM_ENV.length) : key;
  return base in explicit || `${base}${FROM_ENV}` in explicit;
}

/** Derived metadata under the explicit one: explicit keys win, and so do explicit alternative forms. */
export function mergeDerived(
  explicit: Record<string, string>,
  derived: Record<string, string>,
  forms: readonly (readonly string[])[] = [],
): Record<string, string> {
  const explicitForms = forms.filter((form) => form.some((k) => coveredBy(explicit, k)));
  const formOf = (key: string) =>
    forms.find((form) => form.some((k) => k === key || `${k}${FROM_ENV}` === key));
  const kept = Object.entries(derived).filter(([key]) => {
    if (coveredBy(explicit, key)) return false;
    const form = formOf(key);
    return !form || explicitForms.length === 0 || explicitForms.includes(form);
  });
  return { ...Object.fromEntries(kept), ...explicit };
}

/** cpu/memory's `metadata.type` (removed in KEDA 2.18) becomes the trigger's metricType. */
function translateResourceType(
  type: string,
  metadata: Record<string, string>,
  metricType: string | undefined,
  path: string,
): { metricType?: string; findings: Finding[] } {
  const legacy = metadata.type;
  if (!isResourceTrigger(type) || legacy === undefined) return { metricType, findings: [] };
  delete metadata.type;
  const at = `${path}.metadata.type`;
  if (!RESOURCE_METRIC_TYPES.includes(legacy)) {
    const problem = `must be Utilization or AverageValue, and belongs in ${path}.metricType; got ${quote(legacy)}`;
    return { metricType, findings: [error(at, Reason.InvalidTrigger, problem)] };
  }
  if (metricType !== undefined && metricType !== legacy) {
    const problem = `says ${legacy} but metricType says ${metricType}; remove metadata.type`;
    return { metricType, findings: [error(at, Reason.InvalidTrigger, problem)] };
  }
  const problem =
    `is deprecated and removed in KEDA 2.18; it was sent as metricType: ${legacy}. ` +
    `Move it to ${path}.metricType and remove metadata.type`;
  return { metricType: legacy, findings: [warning(at, Reason.DeprecatedTriggerForm, problem)] };
}

function secretRefsFor(trigger: TriggerSpec, input: ScalerInput): SecretTargetRef[] {
  if (trigger.authenticationRef) return [];
  if (trigger.secretTargetRef?.length) return trigger.secretTargetRef;
  return input.derivedSecretRefs?.(trigger.type) ?? [];
}

export function resolveTrigger(
  trigger: TriggerSpec,
  index: number,
  input: ScalerInput,
  base: string,
): ResolvedTrigger {
  const path = `${base}.triggers[${index}]`;
  const own = stringify(trigger.metadata, path);
  const derived = input.derivedMetadata?.(trigger.type) ?? {};
  const metadata = mergeDerived(own.metadata, derived, TRIGGER_TYPES[trigger.type]?.forms);
  const translated = translateResourceType(trigger.type, metadata, trigger.metricType, path);
  const resolved: ResolvedTrigger = {
    index,
    path,
    spec: trigger,
    type: trigger.type,
    metadata,
    secretRefs: secretRefsFor(trigger, input),
    findings: [...own.findings, ...translated.findings],
  };
  if (translated.metricType !== undefined) resolved.metricType = translated.metricType;
  return resolved;
}

export function resolveTriggers(input: ScalerInput, base: string): ResolvedTrigger[] {
  return (input.spec.triggers ?? []).map((t, i) => resolveTrigger(t, i, input, base));
}

// ---------------------------------------------------------------- schema

// strictRequired off: a requirement's alternatives name keys (e.g. hostFromEnv) the properties do not list.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
for (const [name, def] of Object.entries(FORMATS)) ajv.addFormat(name, def.test);

interface CompiledType {
  validate: ValidateFunction;
  /** The required key behind each `allOf` entry, for messages. */
  required: string[];
}
const compiled = new Map<string, CompiledType>();

const hasKey = (container: string, key: string) => ({
  type: 'object',
  properties: { [container]: { type: 'object', required: [key] } },
});

/** A required key may come from metadata, `<key>FromEnv`, or the TriggerAuthentication, as KEDA reads it. */
function requirement(key: string, params: ParamTable) {
  const spec = params[key] ?? {};
  const sources: object[] = [hasKey('metadata', key)];
  if (spec.env) sources.push(hasKey('metadata', `${key}${FROM_ENV}`));
  if (spec.auth)
    sources.push(hasKey('auth', key), { type: 'object', properties: { authRef: { const: true } } });
  return { anyOf: sources };
}

/** The JSON Schema of one trigger type, over `{metadata, auth, authRef}`. */
export function triggerSchema(params: ParamTable): { schema: object; required: string[] } {
  const properties = Object.fromEntries(
    Object.entries(params).map(([key, p]) => [
      key,
      { type: 'string', ...(p.format ? { format: p.format } : {}), ...(p.enum ? { enum: [...p.enum] } : {}) },
    ]),
  );
  const required = Object.keys(params).filter((k) => params[k]!.required);
  const schema = {
    type: 'object',
    required: ['metadata', 'auth', 'authRef'],
    properties: {
      metadata: { type: 'object', properties, additionalProperties: { type: 'string' } },
      auth: { type: 'object' },
      authRef: { type: 'boolean' },
    },
    allOf: required.map((k) => requirement(k, params)),
  };
  return { schema, required };
}

function compiledFor(name: string, type: TriggerType): CompiledType {
  let entry = compiled.get(name);
  if (!entry) {
    const { schema, required } = triggerSchema(type.params);
    entry = { validate: ajv.compile(schema), required };
    compiled.set(name, entry);
  }
  return entry;
}

function requiredMessage(key: string, params: ParamTable): string {
  const spec = params[key] ?? {};
  const ways = [`set metadata.${key}`];
  if (spec.env) ways.push(`${key}${FROM_ENV} (an env var of the container)`);
  if (spec.auth) ways.push(`a secretTargetRef with parameter ${key}`);
  return `is required: ${orList(ways)}`;
}

const keyOf = (pointer: string) =>
  pointer
    .replace(/^\/metadata\//, '')
    .replace(/~1/g, '/')
    .replace(/~0/g, '~');

function describeError(
  e: ErrorObject,
  t: ResolvedTrigger,
  c: CompiledType,
  params: ParamTable,
): Finding | undefined {
  const req = /^#\/allOf\/(\d+)\/anyOf$/.exec(e.schemaPath);
  if (req) {
    const key = c.required[Number(req[1])]!;
    return error(`${t.path}.metadata.${key}`, Reason.InvalidTrigger, requiredMessage(key, params));
  }
  if (e.schemaPath.startsWith('#/allOf/')) return undefined;
  const key = keyOf(e.instancePath);
  const got = `got ${quote(t.metadata[key])}`;
  const at = `${t.path}.metadata.${key}`;
  if (e.keyword === 'format') {
    const format = (e.params as { format: FormatName }).format;
    return error(at, Reason.InvalidTrigger, `must be ${FORMATS[format].describe}, ${got}`);
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues: string[] }).allowedValues;
    return error(at, Reason.InvalidTrigger, `must be ${orList(allowed)}, ${got}`);
  }
  return error(at, Reason.InvalidTrigger, `${e.message ?? 'is invalid'}, ${got}`);
}

/** Ajv's view of a trigger: blank values count as missing, as in KEDA. */
function schemaDocument(t: ResolvedTrigger) {
  const metadata = Object.fromEntries(Object.entries(t.metadata).filter(([, v]) => v.trim() !== ''));
  const auth = Object.fromEntries(t.secretRefs.map((r) => [r.parameter, true]));
  return { metadata, auth, authRef: t.spec.authenticationRef !== undefined };
}

function schemaFindings(t: ResolvedTrigger, type: TriggerType): Finding[] {
  const c = compiledFor(t.type, type);
  if (c.validate(schemaDocument(t))) return [];
  return (c.validate.errors ?? []).flatMap((e) => describeError(e, t, c, type.params) ?? []);
}

// ---------------------------------------------------------------- parameters

function paramFinding(key: string, t: ResolvedTrigger, params: ParamTable): Finding | undefined {
  const at = `${t.path}.metadata.${key}`;
  if (key.endsWith(FROM_ENV) && params[key.slice(0, -FROM_ENV.length)]?.env) return undefined;
  const spec = params[key];
  if (!spec) {
    const problem = `is not a ${t.type} parameter prism-operator knows; KEDA ignores unknown parameters, so check the spelling`;
    return warning(at, Reason.UnknownTriggerParameter, problem);
  }
  if (spec.authOnly) {
    const env = spec.env ? ` or use ${key}${FROM_ENV}` : '';
    const problem = `is read only from a TriggerAuthentication: put it in a Secret and add a secretTargetRef with parameter ${key}${env}`;
    return error(at, Reason.InvalidTrigger, problem);
  }
  if (spec.sensitive) {
    const problem = `is a credential in plain metadata that anyone who can read the pattern sees; use ${key}${FROM_ENV} or a secretTargetRef with parameter ${key}`;
    return warning(at, Reason.SecretInMetadata, problem);
  }
  if (spec.deprecated) return warning(at, Reason.DeprecatedTriggerForm, `is deprecated; ${spec.deprecated}`);
  return undefined;
}

// ---------------------------------------------------------------- validation

function unknownType(t: ResolvedTrigger): Finding {
  const known = Object.keys(TRIGGER_TYPES).join(', ');
  return warning(
    `${t.path}.type`,
    Reason.UnknownTriggerType,
    `${quote(t.type)} is not a trigger type prism-operator checks; it is passed to KEDA unchecked (checked types: ${known})`,
  );
}

/** Trigger-level fields every type shares. */
function triggerFieldFindings(t: ResolvedTrigger): Finding[] {
  const findings: Finding[] = [];
  if (t.spec.authenticationRef && t.spec.secretTargetRef?.length) {
    findings.push(
      error(t.path, Reason.InvalidTrigger, 'use either authenticationRef or secretTargetRef, not both'),
    );
  }
  if (t.metricType === 'Utilization' && !isResourceTrigger(t.type)) {
    const problem = `Utilization is only for cpu and memory triggers; use AverageValue or Value`;
    findings.push(error(`${t.path}.metricType`, Reason.InvalidTrigger, problem));
  }
  if (t.spec.useCachedMetrics && (isResourceTrigger(t.type) || t.type === 'cron')) {
    const problem = `is not supported by ${t.type} triggers; remove it`;
    findings.push(error(`${t.path}.useCachedMetrics`, Reason.InvalidTrigger, problem));
  }
  return findings;
}

/** Everything wrong with one resolved trigger; unknown types only get a warning. */
export function validateTrigger(t: ResolvedTrigger, containers: readonly ScaledContainer[]): Finding[] {
  const type = TRIGGER_TYPES[t.type];
  const common = [...t.findings, ...triggerFieldFindings(t)];
  if (!type) return [...common, unknownType(t)];
  const context = new TriggerContext(t, containers, type.params);
  return [
    ...common,
    ...schemaFindings(t, type),
    ...Object.keys(t.metadata).flatMap((k) => paramFinding(k, t, type.params) ?? []),
    ...type.rules.flatMap((rule) => rule(context)),
  ];
}
