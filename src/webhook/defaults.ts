// Defaulting verdicts: only defaults the CRD schema cannot express because they
// depend on another field or on the object's name. Everything a schema default
// covers (replicas, scaler, ports, ...) is left to the API server.
import type { TSchema } from '@sinclair/typebox';
import type { KindDefinition } from '../api/v1alpha1/crd.js';
import { PrismNamespaceSpec } from '../api/v1alpha1/prismnamespace.js';
import { schemaProblems } from '../api/v1alpha1/validate.js';
import type { Obj } from '../runtime/object.js';
import { allow, pointer, type AdmissionRequest, type PatchOperation, type Verdict } from './admission.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const MAX_TRIGGER_NAME = 63;

/**
 * Unnamed KEDA triggers get the name the operator already uses for them
 * (`<type>-<index>`, e.g. in their TriggerAuthentication's name), so that name
 * is visible, stays put when triggers are reordered, and scalingModifiers
 * formulas can refer to it. A name already taken is not generated twice.
 */
export function triggerNames(autoscaling: unknown, at: (string | number)[]): PatchOperation[] {
  if (!isObject(autoscaling)) return [];
  const triggers = Array.isArray(autoscaling.triggers) ? (autoscaling.triggers as unknown[]) : [];
  const taken = new Set(objects(triggers).flatMap((t) => (typeof t.name === 'string' ? [t.name] : [])));
  const ops: PatchOperation[] = [];
  triggers.forEach((t, i) => {
    if (!isObject(t) || t.name !== undefined || typeof t.type !== 'string' || !t.type) return;
    const name = `${t.type}-${i}`;
    if (taken.has(name) || name.length > MAX_TRIGGER_NAME) return;
    taken.add(name);
    ops.push({ op: 'add', path: pointer(...at, 'triggers', i, 'name'), value: name });
  });
  return ops;
}

/** A name the Namespace may take: a DNS label (the field's own schema) and not reserved. */
function usableNamespace(name: string): boolean {
  const schema = PrismNamespaceSpec.properties.namespace as TSchema;
  return schemaProblems(schema, name).length === 0 && name !== 'default' && !name.startsWith('kube-');
}

/**
 * spec.namespace defaults to the object's name. It is immutable, so writing the
 * default down at creation changes nothing later and shows it in `kubectl get`.
 */
function namespaceDefault(spec: Json, name: string | undefined, at: string[]): PatchOperation[] {
  if (spec.namespace !== undefined || !name || !usableNamespace(name)) return [];
  return [{ op: 'add', path: pointer(...at, 'namespace'), value: name }];
}

function prismNamespace(obj: Obj, spec: Json, request: AdmissionRequest): PatchOperation[] {
  // Only at creation: afterwards the field may neither be set nor changed.
  if (request.operation !== 'CREATE') return [];
  return namespaceDefault(spec, obj.metadata.name, ['spec']);
}

function prismStack(obj: Obj, spec: Json, request: AdmissionRequest): PatchOperation[] {
  const stack = obj.metadata.name;
  const ops = [
    ...(isObject(spec.proxy) ? triggerNames(spec.proxy.autoscaling, ['spec', 'proxy', 'autoscaling']) : []),
    ...objects(spec.patterns).flatMap((p, i) =>
      triggerNames(p.autoscaling, ['spec', 'patterns', i, 'autoscaling']),
    ),
  ];
  // A namespace entry's Namespace is <stack>-<name>; entries that already existed keep what they had.
  const old = isObject(request.oldObject) ? (request.oldObject.spec as Json | undefined) : undefined;
  const existing = new Set(objects(old?.namespaces).map((n) => n.name));
  if (!stack) return ops;
  (Array.isArray(spec.namespaces) ? (spec.namespaces as unknown[]) : []).forEach((n, i) => {
    if (!isObject(n) || typeof n.name !== 'string' || existing.has(n.name)) return;
    ops.push(...namespaceDefault(n, `${stack}-${n.name}`, ['spec', 'namespaces', String(i)]));
  });
  return ops;
}

const DEFAULTERS: Record<string, (obj: Obj, spec: Json, request: AdmissionRequest) => PatchOperation[]> = {
  PrismPattern: (_obj, spec) => triggerNames(spec.autoscaling, ['spec', 'autoscaling']),
  PrismNamespace: prismNamespace,
  PrismStack: prismStack,
};

/** The kinds that have defaults beyond the schema's (the mutating webhook is registered only for them). */
export const DEFAULTED_KINDS = Object.keys(DEFAULTERS);

/** The mutating webhook's decision: never a denial, at most a patch of added defaults. */
export function defaultRequest(def: KindDefinition, request: AdmissionRequest): Verdict {
  const obj = request.object;
  const defaulter = DEFAULTERS[def.kind];
  if (!obj || !defaulter || (request.operation !== 'CREATE' && request.operation !== 'UPDATE'))
    return allow();
  const spec = (obj as { spec?: unknown }).spec;
  if (!isObject(spec)) return allow();
  return allow([], defaulter(obj, spec, request));
}
