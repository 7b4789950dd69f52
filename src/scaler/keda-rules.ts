// Rules KEDA's admission webhook enforces on a ScaledObject (and a few the
// controller reports later). The webhook fails open, so they are checked here
// before anything is applied.
import type { AutoscalingSpec } from '../api/v1alpha1/common.js';
import { error, quote, Reason, warning } from './findings.js';
import { isPositiveFloat, isFloat } from './formats.js';
import { missingRequests, minReplicasOf, scaledName } from './spec-checks.js';
import { isResourceTrigger, type ResolvedTrigger } from './triggers.js';
import type { Finding, ScalerInput } from './types.js';

/** What every rule looks at. */
export interface KedaCheck {
  input: ScalerInput;
  spec: AutoscalingSpec;
  base: string;
  triggers: readonly ResolvedTrigger[];
}

export type KedaRule = (c: KedaCheck) => Finding[];

const MAX_NAME = 63;
export const KEDA_HPA_PREFIX = 'keda-hpa-';
const invalid = (path: string, problem: string) => error(path, Reason.InvalidAutoscaling, problem);

export const replicaBounds: KedaRule = ({ spec, base }) => {
  const min = minReplicasOf(spec);
  const max = spec.maxReplicas;
  if (max === undefined) return [invalid(`${base}.maxReplicas`, 'is required when autoscaling is enabled')];
  // KEDA compares max(min, 1): its HPA never goes below 1.
  if (max < Math.max(min, 1)) {
    return [
      invalid(`${base}.maxReplicas`, `must be at least 1 and at least minReplicas (${min}), got ${max}`),
    ];
  }
  return [];
};

export const idleReplicas: KedaRule = ({ spec, base }) => {
  const idle = spec.idleReplicaCount;
  if (idle === undefined) return [];
  if (idle !== 0) return [invalid(`${base}.idleReplicaCount`, `KEDA supports only 0, got ${idle}`)];
  const min = minReplicasOf(spec);
  return idle < min
    ? []
    : [
        invalid(
          `${base}.idleReplicaCount`,
          `must be less than minReplicas (${min}); raise minReplicas or remove it`,
        ),
      ];
};

export const triggersPresent: KedaRule = ({ triggers, base }) =>
  triggers.length ? [] : [invalid(`${base}.triggers`, 'scaler: keda needs at least one trigger')];

/** cpu/memory alone cannot wake a Deployment from zero. */
export const resourceOnlyNeedsMin: KedaRule = ({ spec, base, triggers }) => {
  const onlyResource = triggers.length > 0 && triggers.every((t) => isResourceTrigger(t.type));
  return onlyResource && minReplicasOf(spec) < 1
    ? [
        invalid(
          `${base}.minReplicas`,
          'must be at least 1 when all triggers are cpu or memory (they cannot scale from zero)',
        ),
      ]
    : [];
};

export const resourceRequests: KedaRule = ({ input, triggers }) =>
  triggers
    .filter((t) => isResourceTrigger(t.type))
    .flatMap((t) =>
      missingRequests(
        input.containers,
        t.type,
        t.path,
        "KEDA's admission webhook rejects the ScaledObject",
        t.metadata.containerName,
        `a ${t.type} trigger`,
      ),
    );

export const uniqueTriggerNames: KedaRule = ({ triggers }) => {
  const seen = new Map<string, number>();
  return triggers.flatMap((t) => {
    const name = t.spec.name;
    if (name === undefined) return [];
    const first = seen.get(name);
    if (first === undefined) {
      seen.set(name, t.index);
      return [];
    }
    return [
      error(
        `${t.path}.name`,
        Reason.InvalidTrigger,
        `${quote(name)} is already used by triggers[${first}]; trigger names must be unique`,
      ),
    ];
  });
};

const formulaOf = (spec: AutoscalingSpec) => spec.advanced?.scalingModifiers?.formula?.trim() || undefined;

export const fallbackRules: KedaRule = ({ spec, base, triggers }) => {
  const fallback = spec.fallback;
  if (!fallback) return [];
  const findings: Finding[] = [];
  const formula = formulaOf(spec);
  if (!formula && triggers.length > 0 && triggers.every((t) => isResourceTrigger(t.type))) {
    findings.push(
      invalid(
        `${base}.fallback`,
        'needs at least one trigger that is not cpu or memory; add one or remove fallback',
      ),
    );
  }
  if (fallback.behavior === 'scalingModifiers' && !formula) {
    findings.push(
      invalid(`${base}.fallback.behavior`, 'scalingModifiers needs advanced.scalingModifiers.formula'),
    );
  }
  return findings;
};

// expr-lang words and builtins that may appear in a formula besides trigger names.
const EXPR_WORDS = new Set(
  (
    'true false nil and or not in matches contains startsWith endsWith let if else ' +
    'abs ceil floor round max min mean median int float len string sum count all any none one ' +
    'filter map find findIndex findLast findLastIndex groupBy sortBy reduce first last trim upper lower'
  ).split(' '),
);

/** Identifiers a formula reads, ignoring string literals, member names and builtins. */
export function formulaIdentifiers(formula: string): string[] {
  const code = formula.replace(/"([^"\\]|\\.)*"|'([^'\\]|\\.)*'|`[^`]*`/g, ' ');
  const ids = [...code.matchAll(/(?<![.\w])[A-Za-z_]\w*/g)].map((m) => m[0]);
  return [...new Set(ids)].filter((id) => !EXPR_WORDS.has(id));
}

function formulaReferences(formula: string, c: KedaCheck): Finding[] {
  const path = `${c.base}.advanced.scalingModifiers.formula`;
  const named = new Map(c.triggers.filter((t) => t.spec.name).map((t) => [t.spec.name!, t]));
  if (named.size === 0)
    return [invalid(path, 'refers to triggers by name, but no trigger has a name; name them')];
  return formulaIdentifiers(formula).flatMap((id) => {
    const t = named.get(id);
    if (t && isResourceTrigger(t.type)) return [invalid(path, `cannot use ${t.type} trigger ${quote(id)}`)];
    if (t) return [];
    const problem = `${quote(id)} names no trigger (named triggers: ${[...named.keys()].join(', ')}); KEDA rejects unknown names`;
    return [warning(path, Reason.InvalidAutoscaling, problem)];
  });
}

export const scalingModifiers: KedaRule = (c) => {
  const sm = c.spec.advanced?.scalingModifiers;
  if (!sm) return [];
  const path = `${c.base}.advanced.scalingModifiers`;
  const formula = formulaOf(c.spec);
  if (!formula) {
    return Object.keys(sm).length ? [warning(path, Reason.IgnoredField, 'is ignored without formula')] : [];
  }
  const findings = formulaReferences(formula, c);
  if (sm.target === undefined || !isPositiveFloat(sm.target.trim())) {
    findings.push(
      invalid(`${path}.target`, `must be a number > 0 when formula is set, got ${quote(sm.target ?? null)}`),
    );
  }
  if (sm.activationTarget !== undefined && !isFloat(sm.activationTarget.trim())) {
    findings.push(invalid(`${path}.activationTarget`, `must be a number, got ${quote(sm.activationTarget)}`));
  }
  return findings;
};

/** KEDA names its HPA keda-hpa-<name> unless told otherwise; both must fit in 63 characters. */
export const nameLength: KedaRule = ({ input, spec }) => {
  const name = scaledName(input);
  const custom = spec.advanced?.horizontalPodAutoscalerConfig?.name;
  if (name.length > MAX_NAME) {
    return [
      invalid(
        'metadata.name',
        `must be at most ${MAX_NAME} characters for a ScaledObject, got ${name.length}`,
      ),
    ];
  }
  if (custom === undefined && name.length + KEDA_HPA_PREFIX.length > MAX_NAME) {
    const problem =
      `${name.length} characters is too long for KEDA's HPA name ${KEDA_HPA_PREFIX}<name> (at most ${MAX_NAME - KEDA_HPA_PREFIX.length}); ` +
      'shorten the name or set advanced.horizontalPodAutoscalerConfig.name';
    return [invalid('metadata.name', problem)];
  }
  return [];
};

/** The hpa engine's HPA carries the pattern's name; KEDA's must not, or a switch would confuse the two. */
export const hpaNameConflict: KedaRule = ({ input, spec, base }) =>
  spec.advanced?.horizontalPodAutoscalerConfig?.name === scaledName(input)
    ? [
        invalid(
          `${base}.advanced.horizontalPodAutoscalerConfig.name`,
          'must differ from the pattern name, which the hpa engine uses for its own HPA; choose another name or remove it',
        ),
      ]
    : [];

/** KEDA's own warnings: settings that change nothing while the Deployment never goes idle. */
export const ineffectiveSettings: KedaRule = ({ spec, base, triggers }) => {
  const scalesToIdle = minReplicasOf(spec) === 0 || spec.idleReplicaCount !== undefined;
  if (scalesToIdle) return [];
  const cached = triggers.some((t) => t.spec.useCachedMetrics);
  return [
    ...(spec.pollingInterval !== undefined && !cached
      ? [
          warning(
            `${base}.pollingInterval`,
            Reason.IgnoredField,
            'has no effect while minReplicas > 0 and no trigger uses cached metrics',
          ),
        ]
      : []),
    ...(spec.cooldownPeriod !== undefined
      ? [
          warning(
            `${base}.cooldownPeriod`,
            Reason.IgnoredField,
            'only applies when scaling to zero; it has no effect while minReplicas > 0',
          ),
        ]
      : []),
  ];
};

export const pauseSettings: KedaRule = ({ spec, base }) =>
  spec.paused === true && spec.pausedReplicas !== undefined
    ? [
        warning(
          `${base}.paused`,
          Reason.IgnoredField,
          'has no effect while pausedReplicas is set (KEDA pauses at pausedReplicas)',
        ),
      ]
    : [];
