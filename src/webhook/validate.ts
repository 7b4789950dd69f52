// Validation verdicts: the CRD's own schema (ajv, as the reconcilers check it) and
// then the semantic checks the reconcilers run before they apply anything, so a
// spec the operator would refuse is refused at the door, with the same words.
import { isDeepStrictEqual } from 'node:util';
import type { KindDefinition } from '../api/v1alpha1/crd.js';
import type { PrismStackSpec } from '../api/v1alpha1/prismstack.js';
import { schemaProblems } from '../api/v1alpha1/validate.js';
import type { Obj } from '../runtime/object.js';
import type { Owner } from '../resources/meta.js';
import { errorsOf, warning, warningsOf } from '../scaler/findings.js';
import { patternScalerFindings, type ScaledPatternSpec } from '../scaler/pattern-input.js';
import type { Finding } from '../scaler/types.js';
import { allow, type AdmissionRequest, type Verdict } from './admission.js';

type SemanticCheck = (obj: Obj, owner: Owner) => Finding[];

/** An owner for the checks: at admission a new object may have no uid yet, and none is needed to validate. */
function ownerFor(obj: Obj, namespace: string | undefined, name = obj.metadata.name): Owner {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name,
    namespace: obj.metadata.namespace ?? namespace ?? '',
    uid: obj.metadata.uid ?? '',
  };
}

type BoundSpec = ScaledPatternSpec & { backendRef?: { name: string } };

/**
 * A pattern bound to a PrismBackend takes trigger metadata (addresses, credentials) from
 * it, and admission cannot see the backend: trigger findings become warnings there, and
 * the operator checks them with the backend's settings (the pattern's Ready condition).
 */
function scaledFindings(owner: Owner, spec: BoundSpec, path?: string): Finding[] {
  const findings = patternScalerFindings(owner, spec, path);
  const backend = spec.backendRef?.name;
  if (!backend) return findings;
  return findings.map((f) =>
    f.severity === 'error' && f.path.includes('.triggers[')
      ? warning(
          f.path,
          f.reason,
          `${f.message.slice(f.path.length + 2)} (unless PrismBackend ${backend} supplies it; the operator checks once it resolves the backend)`,
        )
      : f,
  );
}

/** A PrismStack's proxy and patterns are scaled like PrismPatterns named <stack>-<entry>. */
function stackScalerFindings(obj: Obj, owner: Owner): Finding[] {
  const stack = obj.metadata.name;
  const spec = (obj as Obj & { spec: PrismStackSpec }).spec;
  const scaled: [string, BoundSpec, string][] = [
    [`${stack}-proxy`, spec.proxy, 'spec.proxy.autoscaling'],
    ...(spec.patterns ?? []).map((p, i): [string, BoundSpec, string] => [
      `${stack}-${p.name}`,
      p,
      `spec.patterns[${i}].autoscaling`,
    ]),
  ];
  return scaled.flatMap(([name, spec, path]) => scaledFindings({ ...owner, name }, spec, path));
}

/** Semantic checks per kind, beyond the schema; kinds without any rely on the schema alone. */
const SEMANTIC: Record<string, SemanticCheck> = {
  PrismPattern: (obj, owner) => scaledFindings(owner, (obj as Obj & { spec: BoundSpec }).spec),
  PrismStack: stackScalerFindings,
};

/** Problems of an object of this kind: schema problems alone when there are any, else the semantic findings. */
export function validateObject(def: KindDefinition, obj: Obj, namespace?: string): Verdict {
  const problems = schemaProblems(def.spec, obj.spec ?? {});
  if (problems.length) return { errors: problems.map((p) => `${p.path}: ${p.message}`), warnings: [] };
  const findings = SEMANTIC[def.kind]?.(obj, ownerFor(obj, namespace)) ?? [];
  return {
    errors: errorsOf(findings).map((f) => f.message),
    warnings: warningsOf(findings).map((f) => f.message),
  };
}

/**
 * The validating webhook's decision. An update that leaves the spec alone (finalizers,
 * labels, deletion) is always let through, so an object stored before a rule existed
 * can still be labelled and deleted.
 */
export function validateRequest(def: KindDefinition, request: AdmissionRequest): Verdict {
  const obj = request.object;
  if (!obj || (request.operation !== 'CREATE' && request.operation !== 'UPDATE')) return allow();
  if (request.operation === 'UPDATE') {
    const old = request.oldObject;
    if (obj.metadata.deletionTimestamp) return allow();
    if (old && isDeepStrictEqual(obj.spec, old.spec)) return allow();
  }
  return validateObject(def, obj, request.namespace);
}
