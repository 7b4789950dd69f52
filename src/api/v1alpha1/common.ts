// Pieces shared by several kinds, defined once: resources, placement, the
// service, autoscaling (HPA or KEDA), disruption budget, conditions.
import { Type, type Static } from '@sinclair/typebox';
import {
  cel,
  enumOf,
  int32,
  intOrPercent,
  k8sList,
  k8sObject,
  quantity,
  stringMap,
} from './schema-helpers.js';

export const GROUP = 'prism.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

export const ResourceRequirements = Type.Object(
  {
    requests: Type.Optional(
      Type.Record(Type.String(), quantity(), { description: 'Minimum resources, e.g. cpu: 100m.' }),
    ),
    limits: Type.Optional(
      Type.Record(Type.String(), quantity(), { description: 'Maximum resources, e.g. memory: 256Mi.' }),
    ),
  },
  { description: 'Compute resources of the container (requests and limits).' },
);
export type ResourceRequirements = Static<typeof ResourceRequirements>;

export const PlacementSpec = Type.Object(
  {
    nodeSelector: Type.Optional(stringMap('Node labels the pods must match.')),
    affinity: Type.Optional(k8sObject('Pod affinity, anti-affinity and node affinity (core/v1 Affinity).')),
    tolerations: Type.Optional(k8sList('Tolerations (core/v1 Toleration).')),
    topologySpreadConstraints: Type.Optional(k8sList('How pods spread across zones or nodes.')),
    priorityClassName: Type.Optional(Type.String({ description: 'PriorityClass of the pods.' })),
    runtimeClassName: Type.Optional(Type.String({ description: 'RuntimeClass of the pods.' })),
  },
  { description: 'Where the pods run.' },
);
export type PlacementSpec = Static<typeof PlacementSpec>;

export const ServiceSpec = Type.Object(
  {
    type: Type.Optional(enumOf(['ClusterIP', 'NodePort', 'LoadBalancer'] as const, { default: 'ClusterIP' })),
    port: Type.Optional(
      int32({ minimum: 1, maximum: 65535, default: 8080, description: 'Service and container port.' }),
    ),
    annotations: Type.Optional(stringMap('Annotations of the Service (e.g. load balancer settings).')),
  },
  { description: 'A Service in front of the pods; removing this field removes the Service.' },
);
export type ServiceSpec = Static<typeof ServiceSpec>;

export const DisruptionSpec = Type.Object(
  {
    minAvailable: Type.Optional(intOrPercent('Pods that must stay available during voluntary disruptions.')),
    maxUnavailable: Type.Optional(intOrPercent('Pods that may be unavailable during voluntary disruptions.')),
  },
  {
    description: 'A PodDisruptionBudget for the pods.',
    ...cel({
      rule: 'has(self.minAvailable) != has(self.maxUnavailable)',
      message: 'set exactly one of minAvailable or maxUnavailable',
    }),
  },
);
export type DisruptionSpec = Static<typeof DisruptionSpec>;

/** Trigger metadata values may be written as YAML numbers or booleans; KEDA receives strings. */
/**
 * Trigger metadata values may be written as YAML strings, numbers or booleans; KEDA receives strings.
 * (CEL cannot type a schema-less value, so nested objects are refused by the operator's validation.)
 */
const TriggerMetadataValue = Type.Unsafe<string | number | boolean>({
  'x-kubernetes-preserve-unknown-fields': true,
});

export const SecretTargetRef = Type.Object({
  parameter: Type.String({ minLength: 1, description: 'The trigger parameter, e.g. password or sasl.' }),
  name: Type.String({ minLength: 1, description: 'Secret name (same namespace).' }),
  key: Type.String({ minLength: 1, description: 'Key in the Secret.' }),
});
export type SecretTargetRef = Static<typeof SecretTargetRef>;

export const TriggerSpec = Type.Object(
  {
    type: Type.String({
      minLength: 1,
      description: 'KEDA scaler type, e.g. kafka, nats-jetstream, redis, cpu.',
    }),
    name: Type.Optional(
      Type.String({ minLength: 1, maxLength: 63, description: 'Trigger name, unique within the pattern.' }),
    ),
    metadata: Type.Optional(
      Type.Record(Type.String(), TriggerMetadataValue, {
        maxProperties: 64,
        description: 'Scaler parameters; numbers and booleans are sent to KEDA as strings.',
      }),
    ),
    authenticationRef: Type.Optional(
      Type.Object({
        name: Type.String({ minLength: 1, description: 'A TriggerAuthentication (never a Secret).' }),
        kind: Type.Optional(enumOf(['TriggerAuthentication', 'ClusterTriggerAuthentication'] as const)),
      }),
    ),
    secretTargetRef: Type.Optional(
      Type.Array(SecretTargetRef, {
        maxItems: 16,
        description: 'Secret keys for this trigger; the operator creates the TriggerAuthentication.',
      }),
    ),
    metricType: Type.Optional(enumOf(['AverageValue', 'Value', 'Utilization'] as const)),
    useCachedMetrics: Type.Optional(Type.Boolean()),
  },
  {
    ...cel({
      rule: '!(has(self.authenticationRef) && has(self.secretTargetRef))',
      message: 'use either authenticationRef or secretTargetRef, not both',
    }),
  },
);
export type TriggerSpec = Static<typeof TriggerSpec>;

const HpaBehavior = k8sObject(
  'HPA scaling behavior (autoscaling/v2 HorizontalPodAutoscalerBehavior): scaleUp/scaleDown policies and windows.',
);

export const AutoscalingSpec = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: false, description: 'Turn autoscaling on.' })),
    scaler: Type.Optional(
      enumOf(['hpa', 'keda'] as const, { default: 'hpa', description: 'Autoscaling engine.' }),
    ),
    minReplicas: Type.Optional(
      int32({ minimum: 0, default: 1, description: 'Lower bound (0 only with keda).' }),
    ),
    maxReplicas: Type.Optional(int32({ minimum: 1, description: 'Upper bound.' })),
    targetCPUUtilizationPercentage: Type.Optional(int32({ minimum: 1, maximum: 1000 })),
    targetMemoryUtilizationPercentage: Type.Optional(int32({ minimum: 1, maximum: 1000 })),
    metrics: Type.Optional(k8sList('Extra HPA metrics (autoscaling/v2 MetricSpec), hpa engine only.')),
    behavior: Type.Optional(HpaBehavior),
    triggers: Type.Optional(
      Type.Array(TriggerSpec, { maxItems: 32, description: 'KEDA triggers (keda engine).' }),
    ),
    pollingInterval: Type.Optional(
      int32({ minimum: 1, description: 'Seconds between KEDA trigger checks.' }),
    ),
    cooldownPeriod: Type.Optional(
      int32({ minimum: 0, description: 'Seconds after the last activity before scaling to zero.' }),
    ),
    initialCooldownPeriod: Type.Optional(int32({ minimum: 0 })),
    idleReplicaCount: Type.Optional(
      int32({ minimum: 0, maximum: 0, description: 'Replicas when idle (KEDA supports only 0).' }),
    ),
    fallback: Type.Optional(
      Type.Object({
        failureThreshold: int32({ minimum: 0 }),
        replicas: int32({ minimum: 0 }),
        behavior: Type.Optional(
          enumOf([
            'static',
            'currentReplicas',
            'currentReplicasIfHigher',
            'currentReplicasIfLower',
            'scalingModifiers',
          ] as const),
        ),
      }),
    ),
    advanced: Type.Optional(
      Type.Object({
        restoreToOriginalReplicaCount: Type.Optional(Type.Boolean()),
        horizontalPodAutoscalerConfig: Type.Optional(
          Type.Object({
            name: Type.Optional(Type.String({ minLength: 1, maxLength: 63 })),
            behavior: Type.Optional(HpaBehavior),
          }),
        ),
        scalingModifiers: Type.Optional(
          Type.Object({
            formula: Type.Optional(Type.String()),
            target: Type.Optional(Type.String()),
            activationTarget: Type.Optional(Type.String()),
            metricType: Type.Optional(enumOf(['AverageValue', 'Value'] as const)),
          }),
        ),
      }),
    ),
    paused: Type.Optional(Type.Boolean({ description: 'Pause KEDA scaling; replicas stay where they are.' })),
    pausedReplicas: Type.Optional(
      int32({ minimum: 0, description: 'Pause KEDA scaling at this replica count.' }),
    ),
  },
  {
    description: 'Autoscaling of the Deployment by an HPA (autoscaling/v2) or a KEDA ScaledObject.',
    ...cel(
      {
        rule: '!has(self.enabled) || !self.enabled || has(self.maxReplicas)',
        message: 'maxReplicas is required when autoscaling is enabled',
      },
      {
        rule: '!has(self.maxReplicas) || (has(self.minReplicas) ? self.minReplicas : 1) <= self.maxReplicas',
        message: 'minReplicas must be less than or equal to maxReplicas',
      },
      {
        rule: "!has(self.enabled) || !self.enabled || (has(self.scaler) && self.scaler == 'keda') || (!has(self.minReplicas) || self.minReplicas >= 1)",
        message: 'minReplicas 0 needs scaler: keda (an HPA cannot scale to zero)',
      },
      {
        rule: "!has(self.enabled) || !self.enabled || !has(self.scaler) || self.scaler != 'keda' || (has(self.triggers) && size(self.triggers) > 0)",
        message: 'scaler: keda needs at least one trigger',
      },
      {
        rule: '!has(self.idleReplicaCount) || (has(self.minReplicas) ? self.minReplicas : 1) > self.idleReplicaCount',
        message: 'idleReplicaCount must be less than minReplicas',
      },
      {
        rule: '!has(self.triggers) || self.triggers.all(t, !has(t.name) || self.triggers.filter(u, has(u.name) && u.name == t.name).size() == 1)',
        message: 'trigger names must be unique',
      },
    ),
  },
);
export type AutoscalingSpec = Static<typeof AutoscalingSpec>;

export const Condition = Type.Object({
  type: Type.String(),
  status: enumOf(['True', 'False', 'Unknown'] as const),
  reason: Type.String(),
  message: Type.String(),
  lastTransitionTime: Type.String({ format: 'date-time' }),
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64', minimum: 0 })),
});
export type Condition = Static<typeof Condition>;

export const Conditions = Type.Array(Condition, {
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['type'],
});

export const LocalObjectReference = Type.Object({ name: Type.String({ minLength: 1 }) });
