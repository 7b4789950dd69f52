// The keda engine: a keda.sh/v1alpha1 ScaledObject named after the pattern,
// and one TriggerAuthentication per trigger whose secrets the operator wires up
// (named <pattern>-<trigger name>, or <pattern>-<type>-<index> for unnamed
// triggers, so two triggers never share credentials by accident).
import type { AutoscalingSpec, SecretTargetRef } from '../api/v1alpha1/common.js';
import type { ScalerStatus } from '../api/v1alpha1/prismpattern.js';
import { childMeta, type Owner } from '../resources/meta.js';
import type { Obj } from '../runtime/object.js';
import { cleanBehavior, validateBehavior } from './behavior.js';
import { error, quote, Reason } from './findings.js';
import * as rules from './keda-rules.js';
import { fieldPath, ignoredFields, minReplicasOf, scaledName } from './spec-checks.js';
import { boundsStatus, conditionIsTrue, numberAt, pickConditions, statusOf } from './status.js';
import { resolveTriggers, validateTrigger, type ResolvedTrigger } from './triggers.js';
import { DEFAULT_COMPONENT, type Finding, type ScalerEngine, type ScalerInput } from './types.js';

export const KEDA_API_VERSION = 'keda.sh/v1alpha1';
export const SCALED_OBJECT_KIND = 'ScaledObject';
export const TRIGGER_AUTHENTICATION_KIND = 'TriggerAuthentication';
export const PAUSED_ANNOTATION = 'autoscaling.keda.sh/paused';
export const PAUSED_REPLICAS_ANNOTATION = 'autoscaling.keda.sh/paused-replicas';
/** KEDA labels its HPA (and the ScaledObject) with the ScaledObject's name. */
export const SCALED_OBJECT_NAME_LABEL = 'scaledobject.keda.sh/name';
const KEDA_CONDITIONS = ['Ready', 'Active', 'Fallback', 'Paused'];
const HPA_ONLY_FIELDS = [
  'targetCPUUtilizationPercentage',
  'targetMemoryUtilizationPercentage',
  'metrics',
] as const;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

type Json = Record<string, unknown>;

const KEDA_RULES: readonly rules.KedaRule[] = [
  rules.triggersPresent,
  rules.replicaBounds,
  rules.idleReplicas,
  rules.resourceOnlyNeedsMin,
  rules.resourceRequests,
  rules.uniqueTriggerNames,
  rules.fallbackRules,
  rules.scalingModifiers,
  rules.nameLength,
  rules.hpaNameConflict,
  rules.ineffectiveSettings,
  rules.pauseSettings,
];

/** The HPA KEDA creates for the ScaledObject: status.hpaName once KEDA reports it. */
export function kedaHpaName(spec: AutoscalingSpec, patternName: string, observed?: Obj): string {
  const reported = statusOf(observed)?.hpaName;
  if (typeof reported === 'string' && reported) return reported;
  return spec.advanced?.horizontalPodAutoscalerConfig?.name ?? `${rules.KEDA_HPA_PREFIX}${patternName}`;
}

export function triggerAuthName(owner: Pick<Owner, 'name'>, trigger: ResolvedTrigger): string {
  return `${owner.name}-${trigger.spec.name ?? `${trigger.type}-${trigger.index}`}`;
}

/** Which triggers get a generated TriggerAuthentication: those with secret refs (explicit or derived). */
const needsAuth = (t: ResolvedTrigger) => t.secretRefs.length > 0;

function authenticationRef(owner: Pick<Owner, 'name'>, t: ResolvedTrigger): Json | undefined {
  const explicit = t.spec.authenticationRef;
  if (explicit) return { name: explicit.name, kind: explicit.kind ?? TRIGGER_AUTHENTICATION_KIND };
  // Always a TriggerAuthentication the operator generated: KEDA's authenticationRef never names a Secret.
  return needsAuth(t) ? { name: triggerAuthName(owner, t), kind: TRIGGER_AUTHENTICATION_KIND } : undefined;
}

function triggerFor(owner: Pick<Owner, 'name'>, t: ResolvedTrigger): Json {
  const out: Json = { type: t.type };
  if (t.spec.name !== undefined) out.name = t.spec.name;
  // KEDA requires the key even when empty.
  out.metadata = { ...t.metadata };
  const auth = authenticationRef(owner, t);
  if (auth) out.authenticationRef = auth;
  if (t.metricType !== undefined) out.metricType = t.metricType;
  if (t.spec.useCachedMetrics !== undefined) out.useCachedMetrics = t.spec.useCachedMetrics;
  return out;
}

function pauseAnnotations(spec: AutoscalingSpec): Record<string, string> {
  const annotations: Record<string, string> = {};
  if (spec.paused === true) annotations[PAUSED_ANNOTATION] = 'true';
  if (spec.pausedReplicas !== undefined)
    annotations[PAUSED_REPLICAS_ANNOTATION] = String(spec.pausedReplicas);
  return annotations;
}

/** advanced, with only what is set; behavior from advanced, else the spec's shared behavior. */
function advancedFor(spec: AutoscalingSpec): Json | undefined {
  const advanced: Json = {};
  const src = spec.advanced;
  if (src?.restoreToOriginalReplicaCount !== undefined) {
    advanced.restoreToOriginalReplicaCount = src.restoreToOriginalReplicaCount;
  }
  const hpaConfig: Json = {};
  if (src?.horizontalPodAutoscalerConfig?.name !== undefined)
    hpaConfig.name = src.horizontalPodAutoscalerConfig.name;
  const behavior = cleanBehavior(src?.horizontalPodAutoscalerConfig?.behavior ?? spec.behavior);
  if (behavior) hpaConfig.behavior = behavior;
  if (Object.keys(hpaConfig).length) advanced.horizontalPodAutoscalerConfig = hpaConfig;
  if (src?.scalingModifiers && Object.keys(src.scalingModifiers).length) {
    advanced.scalingModifiers = { ...src.scalingModifiers };
  }
  return Object.keys(advanced).length ? advanced : undefined;
}

const OPTIONAL_SPEC_FIELDS = [
  'pollingInterval',
  'cooldownPeriod',
  'initialCooldownPeriod',
  'idleReplicaCount',
] as const;

export function scaledObjectFor(
  input: ScalerInput,
  triggers = resolveTriggers(input, fieldPath(input)),
): Obj {
  const { owner, spec, target } = input;
  const soSpec: Json = {
    scaleTargetRef: { apiVersion: target.apiVersion, kind: target.kind, name: target.name },
    // Always explicit: KEDA's default minimum is 0, which its webhook refuses for cpu/memory-only objects.
    minReplicaCount: minReplicasOf(spec),
  };
  if (spec.maxReplicas !== undefined) soSpec.maxReplicaCount = spec.maxReplicas;
  for (const field of OPTIONAL_SPEC_FIELDS) if (spec[field] !== undefined) soSpec[field] = spec[field];
  if (spec.fallback) soSpec.fallback = { ...spec.fallback };
  const advanced = advancedFor(spec);
  if (advanced) soSpec.advanced = advanced;
  soSpec.triggers = triggers.map((t) => triggerFor({ name: scaledName(input) }, t));
  return {
    apiVersion: KEDA_API_VERSION,
    kind: SCALED_OBJECT_KIND,
    metadata: childMeta(owner, scaledName(input), input.component ?? DEFAULT_COMPONENT, {
      labels: input.labels,
      annotations: pauseAnnotations(spec),
    }),
    spec: soSpec,
  };
}

const secretRef = (r: SecretTargetRef) => ({ parameter: r.parameter, name: r.name, key: r.key });

export function triggerAuthenticationsFor(
  input: ScalerInput,
  triggers = resolveTriggers(input, fieldPath(input)),
): Obj[] {
  const component = input.component ?? DEFAULT_COMPONENT;
  return triggers.filter(needsAuth).map((t) => ({
    apiVersion: KEDA_API_VERSION,
    kind: TRIGGER_AUTHENTICATION_KIND,
    metadata: childMeta(input.owner, triggerAuthName({ name: scaledName(input) }, t), component, {
      labels: input.labels,
    }),
    spec: { secretTargetRef: t.secretRefs.map(secretRef) },
  }));
}

/** Generated TriggerAuthentication names must be object names, and distinct. */
function triggerAuthNames(input: ScalerInput, triggers: readonly ResolvedTrigger[]): Finding[] {
  const seen = new Set<string>();
  return triggers.filter(needsAuth).flatMap((t) => {
    const name = triggerAuthName({ name: scaledName(input) }, t);
    const path = `${t.path}.name`;
    if (!DNS_SUBDOMAIN.test(name)) {
      const problem = `gives the TriggerAuthentication name ${quote(name)}, which is not a valid object name; use lowercase letters, digits and -`;
      return [error(path, Reason.InvalidTrigger, problem)];
    }
    if (seen.has(name)) {
      return [
        error(
          path,
          Reason.InvalidTrigger,
          `gives the TriggerAuthentication name ${quote(name)} twice; rename the trigger`,
        ),
      ];
    }
    seen.add(name);
    return [];
  });
}

function behaviorFindings(spec: AutoscalingSpec, base: string): Finding[] {
  const advanced = spec.advanced?.horizontalPodAutoscalerConfig?.behavior;
  return advanced !== undefined
    ? validateBehavior(advanced, `${base}.advanced.horizontalPodAutoscalerConfig.behavior`)
    : validateBehavior(spec.behavior, `${base}.behavior`);
}

export function validateKeda(input: ScalerInput): Finding[] {
  const base = fieldPath(input);
  const triggers = resolveTriggers(input, base);
  const check: rules.KedaCheck = { input, spec: input.spec, base, triggers };
  return [
    ...KEDA_RULES.flatMap((rule) => rule(check)),
    ...triggers.flatMap((t) => validateTrigger(t, input.containers)),
    ...triggerAuthNames(input, triggers),
    ...behaviorFindings(input.spec, base),
    ...ignoredFields(
      input.spec,
      HPA_ONLY_FIELDS,
      base,
      'keda',
      'use a cpu, memory or prometheus trigger instead',
    ),
  ];
}

/**
 * Status from the observed ScaledObject. KEDA does not report replica counts on
 * it: the caller fills currentReplicas/desiredReplicas from the Deployment or
 * KEDA's HPA (see kedaHpaName). Until KEDA has written a status, only the
 * engine, name and bounds.
 */
export function kedaStatus(observed: Obj | undefined, input: ScalerInput): ScalerStatus {
  const out = boundsStatus('keda', scaledName(input), observed, input.spec, {
    min: 'minReplicaCount',
    max: 'maxReplicaCount',
  });
  const status = statusOf(observed);
  if (!status) return out;
  out.conditions = pickConditions(status, KEDA_CONDITIONS);
  out.active = conditionIsTrue(out.conditions, 'Active');
  // paused-replicas pauses by its presence; KEDA then reports pausedReplicaCount.
  out.paused =
    conditionIsTrue(out.conditions, 'Paused') || numberAt(status, 'pausedReplicaCount') !== undefined;
  return out;
}

/** KEDA's HPA for this owner: owned by its ScaledObject (`name`, default the owner's), or labelled with it. */
export function isKedaHpaFor(obj: Obj, owner: Owner, name = owner.name): boolean {
  if (obj.kind !== 'HorizontalPodAutoscaler' || obj.metadata.namespace !== owner.namespace) return false;
  const byOwner = (obj.metadata.ownerReferences ?? []).some(
    (r) => r.kind === SCALED_OBJECT_KIND && r.apiVersion.startsWith('keda.sh/') && r.name === name,
  );
  return byOwner || obj.metadata.labels?.[SCALED_OBJECT_NAME_LABEL] === name;
}

export const kedaEngine: ScalerEngine = {
  name: 'keda',
  kinds: [
    { apiVersion: KEDA_API_VERSION, kind: SCALED_OBJECT_KIND, scalesWorkload: true },
    { apiVersion: KEDA_API_VERSION, kind: TRIGGER_AUTHENTICATION_KIND, scalesWorkload: false },
  ],
  scalesFromZero: true,
  validate: validateKeda,
  desired: (input) => {
    const triggers = resolveTriggers(input, fieldPath(input));
    return [scaledObjectFor(input, triggers), ...triggerAuthenticationsFor(input, triggers)];
  },
  status: kedaStatus,
  createdForOwner: isKedaHpaFor,
};
