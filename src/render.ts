// Renders the child objects the operator would apply for the custom resources
// in a document set, with no cluster: the same validation and builders the
// reconcilers use, so `render` is a faithful preview.
import { API_VERSION } from './api/v1alpha1/common.js';
import { PrismPatternSpec } from './api/v1alpha1/prismpattern.js';
import { PrismStackSpec } from './api/v1alpha1/prismstack.js';
import { schemaProblems } from './api/v1alpha1/validate.js';
import type { Obj } from './runtime/object.js';
import type { Owner } from './resources/meta.js';
import { configMapFor, deploymentFor, pdbFor, serviceFor } from './resources/pattern.js';
import { desiredChildren } from './resources/stack.js';
import { proxyScalerInput } from './resources/stack-proxy.js';
import { engineFor } from './scaler/registry.js';

/** Stands in for the uid the API server assigns; owner references show it. */
export const PREVIEW_UID = '00000000-0000-0000-0000-000000000000';

export interface RenderResult {
  objects: Obj[];
  problems: string[];
  warnings: string[];
}

/** A preview owner when the spec matches its schema; else its problems go into the result. */
function checked(
  doc: Obj,
  schema: Parameters<typeof schemaProblems>[0],
  result: RenderResult,
): { owner: Owner; where: string } | undefined {
  const where = `${doc.kind} ${doc.metadata.namespace ?? 'default'}/${doc.metadata.name}`;
  const problems = schemaProblems(schema, doc.spec);
  if (problems.length) {
    result.problems.push(...problems.map((p) => `${where}: ${p.path}: ${p.message}`));
    return undefined;
  }
  const owner: Owner = {
    apiVersion: doc.apiVersion,
    kind: doc.kind,
    name: doc.metadata.name,
    namespace: doc.metadata.namespace ?? 'default',
    uid: PREVIEW_UID,
  };
  return { owner, where };
}

function renderPattern(doc: Obj, result: RenderResult): void {
  const ok = checked(doc, PrismPatternSpec, result);
  if (!ok) return;
  const { owner, where } = ok;
  const spec = doc.spec as PrismPatternSpec;
  const children = [
    configMapFor(owner, spec),
    deploymentFor(owner, spec),
    serviceFor(owner, spec),
    pdbFor(owner, spec),
  ];
  if (spec.autoscaling?.enabled) {
    const engine = engineFor(spec.autoscaling);
    const input = {
      owner,
      spec: spec.autoscaling,
      target: { apiVersion: 'apps/v1' as const, kind: 'Deployment' as const, name: owner.name },
      containers: [{ name: 'runner', resources: spec.resources }],
    };
    const findings = engine.validate(input);
    const errors = findings.filter((f) => f.severity === 'error');
    result.warnings.push(
      ...findings.filter((f) => f.severity === 'warning').map((f) => `${where}: ${f.message}`),
    );
    if (errors.length) {
      result.problems.push(...errors.map((f) => `${where}: ${f.message}`));
      return;
    }
    children.push(...engine.desired(input));
  }
  result.objects.push(...children.filter((c): c is Obj => c !== undefined));
}

/** A stack's own children (its child patterns' children come from rendering those patterns). */
function renderStack(doc: Obj, result: RenderResult): void {
  const ok = checked(doc, PrismStackSpec, result);
  if (!ok) return;
  const { owner, where } = ok;
  const spec = doc.spec as PrismStackSpec;
  const children = desiredChildren(owner, spec).flatMap(([, objs]) => objs);
  if (spec.proxy.autoscaling?.enabled) {
    const input = proxyScalerInput(owner, spec);
    const findings = engineFor(input.spec).validate(input);
    const errors = findings.filter((f) => f.severity === 'error');
    result.warnings.push(
      ...findings.filter((f) => f.severity === 'warning').map((f) => `${where}: ${f.message}`),
    );
    if (errors.length) {
      result.problems.push(...errors.map((f) => `${where}: ${f.message}`));
      return;
    }
    children.push(...engineFor(input.spec).desired(input));
  }
  result.objects.push(...children);
}

export function render(docs: unknown[]): RenderResult {
  const result: RenderResult = { objects: [], problems: [], warnings: [] };
  for (const doc of docs) {
    if (typeof doc !== 'object' || doc === null) continue;
    const o = doc as Obj;
    if (o.apiVersion !== API_VERSION) continue; // Namespaces, Secrets etc. in the same file are not ours
    if (o.kind === 'PrismPattern') renderPattern(o, result);
    else if (o.kind === 'PrismStack') renderStack(o, result);
    else result.warnings.push(`${o.kind} ${o.metadata.name}: rendering this kind is not supported yet`);
  }
  return result;
}
