// HPA scaling behavior (autoscaling/v2 HorizontalPodAutoscalerBehavior), shared by
// the HPA engine and KEDA's advanced.horizontalPodAutoscalerConfig.behavior.
// Validation mirrors the API server's rules, which its OpenAPI schema does not carry.
import { error, orList, quote, Reason, warning } from './findings.js';
import { parseQuantity } from './formats.js';
import type { Finding } from './types.js';

type Json = Record<string, unknown>;

const DIRECTIONS = ['scaleUp', 'scaleDown'] as const;
const RULE_FIELDS = ['stabilizationWindowSeconds', 'selectPolicy', 'policies', 'tolerance'];
const POLICY_FIELDS = ['type', 'value', 'periodSeconds'];
const SELECT_POLICIES = ['Max', 'Min', 'Disabled'];
const POLICY_TYPES = ['Pods', 'Percent'];
const MAX_WINDOW_SECONDS = 3600;
const MAX_PERIOD_SECONDS = 1800;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIntIn = (v: unknown, min: number, max = Number.MAX_SAFE_INTEGER) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

function unknownFields(obj: Json, allowed: readonly string[], path: string): Finding[] {
  return Object.keys(obj)
    .filter((k) => !allowed.includes(k))
    .map((k) =>
      error(`${path}.${k}`, Reason.InvalidBehavior, `unknown field; allowed fields are ${orList(allowed)}`),
    );
}

function validatePolicy(policy: unknown, path: string): Finding[] {
  if (!isObject(policy))
    return [error(path, Reason.InvalidBehavior, 'must be an object {type, value, periodSeconds}')];
  const findings = unknownFields(policy, POLICY_FIELDS, path);
  if (!POLICY_TYPES.includes(policy.type as string)) {
    findings.push(
      error(`${path}.type`, Reason.InvalidBehavior, `must be Pods or Percent, got ${quote(policy.type)}`),
    );
  }
  if (!isIntIn(policy.value, 1)) {
    findings.push(
      error(`${path}.value`, Reason.InvalidBehavior, `must be an integer > 0, got ${quote(policy.value)}`),
    );
  }
  if (!isIntIn(policy.periodSeconds, 1, MAX_PERIOD_SECONDS)) {
    findings.push(
      error(
        `${path}.periodSeconds`,
        Reason.InvalidBehavior,
        `must be an integer between 1 and ${MAX_PERIOD_SECONDS}, got ${quote(policy.periodSeconds)}`,
      ),
    );
  }
  return findings;
}

function validatePolicies(policies: unknown, path: string): Finding[] {
  if (policies === undefined) return [];
  if (!Array.isArray(policies)) return [error(path, Reason.InvalidBehavior, 'must be a list of policies')];
  if (policies.length === 0) {
    // An explicit empty list survives defaulting and fails validation, so the builder leaves it out.
    return [
      warning(
        path,
        Reason.EmptyPolicyList,
        "is empty and is left out, so Kubernetes' default policies apply; list at least one policy or remove the field",
      ),
    ];
  }
  return policies.flatMap((p, i) => validatePolicy(p, `${path}[${i}]`));
}

function validateRule(rule: unknown, path: string): Finding[] {
  if (!isObject(rule)) return [error(path, Reason.InvalidBehavior, 'must be an object')];
  const findings = unknownFields(rule, RULE_FIELDS, path);
  const window = rule.stabilizationWindowSeconds;
  if (window !== undefined && !isIntIn(window, 0, MAX_WINDOW_SECONDS)) {
    findings.push(
      error(
        `${path}.stabilizationWindowSeconds`,
        Reason.InvalidBehavior,
        `must be an integer between 0 and ${MAX_WINDOW_SECONDS}, got ${quote(window)}`,
      ),
    );
  }
  if (rule.selectPolicy !== undefined && !SELECT_POLICIES.includes(rule.selectPolicy as string)) {
    findings.push(
      error(
        `${path}.selectPolicy`,
        Reason.InvalidBehavior,
        `must be ${orList(SELECT_POLICIES)}, got ${quote(rule.selectPolicy)}`,
      ),
    );
  }
  findings.push(...validatePolicies(rule.policies, `${path}.policies`));
  const tolerance = rule.tolerance;
  if (tolerance !== undefined && !((parseQuantity(tolerance as string) ?? -1) >= 0)) {
    findings.push(
      error(
        `${path}.tolerance`,
        Reason.InvalidBehavior,
        `must be a quantity >= 0 such as "0.1", got ${quote(tolerance)}`,
      ),
    );
  }
  return findings;
}

export function validateBehavior(behavior: unknown, path: string): Finding[] {
  if (behavior === undefined) return [];
  if (!isObject(behavior))
    return [error(path, Reason.InvalidBehavior, 'must be an object {scaleUp, scaleDown}')];
  return [
    ...unknownFields(behavior, DIRECTIONS, path),
    ...DIRECTIONS.flatMap((d) =>
      behavior[d] === undefined ? [] : validateRule(behavior[d], `${path}.${d}`),
    ),
  ];
}

function cleanRule(rule: Json): Json {
  const out: Json = { ...rule };
  if (Array.isArray(out.policies) && out.policies.length === 0) delete out.policies;
  return out;
}

/**
 * The behavior as it is applied: never an empty `policies: []` (the API server
 * rejects it after defaulting), and no empty direction or empty behavior.
 */
export function cleanBehavior(behavior: Json | undefined): Json | undefined {
  if (!behavior) return undefined;
  const out: Json = {};
  for (const d of DIRECTIONS) {
    const rule = behavior[d];
    if (!isObject(rule)) continue;
    const cleaned = cleanRule(rule);
    if (Object.keys(cleaned).length) out[d] = cleaned;
  }
  return Object.keys(out).length ? out : undefined;
}
