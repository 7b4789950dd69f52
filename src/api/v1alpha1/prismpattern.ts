// PrismPattern: one Prism pattern runner (a Deployment) with optional Service,
// config, disruption budget and autoscaling.
import { Type, type Static } from '@sinclair/typebox';
import {
  AutoscalingSpec,
  Conditions,
  DisruptionSpec,
  LocalObjectReference,
  PlacementSpec,
  ResourceRequirements,
  ServiceSpec,
} from './common.js';
import { dnsLabel, enumOf, int32, k8sList, k8sObject, stringMap } from './schema-helpers.js';

export const BACKEND_TYPES = [
  'kafka',
  'nats',
  'redis',
  'postgres',
  'rabbitmq',
  'sqs',
  'tcp',
  'memstore',
] as const;

export const PrismPatternSpec = Type.Object({
  pattern: dnsLabel('Pattern this runner implements, e.g. keyvalue, pubsub, consumer, producer.'),
  backend: dnsLabel('Backend type, e.g. kafka, nats, redis, postgres.'),
  backendRef: Type.Optional(
    Type.Object(
      { name: dnsLabel('A PrismBackend in the same namespace.') },
      { description: 'Connection settings and credentials come from this PrismBackend.' },
    ),
  ),
  image: Type.String({ minLength: 1, description: 'Container image of the pattern runner.' }),
  imagePullPolicy: Type.Optional(enumOf(['Always', 'IfNotPresent', 'Never'] as const)),
  imagePullSecrets: Type.Optional(Type.Array(LocalObjectReference)),
  replicas: Type.Optional(
    int32({ minimum: 0, default: 1, description: 'Replicas when autoscaling is off.' }),
  ),
  command: Type.Optional(
    Type.Array(Type.String(), { description: 'Container entrypoint (default: the image’s).' }),
  ),
  args: Type.Optional(Type.Array(Type.String(), { description: 'Container arguments (default: none).' })),
  env: Type.Optional(k8sList('Extra environment variables (core/v1 EnvVar).')),
  config: Type.Optional(
    stringMap(
      'Runner configuration files: each key becomes a file in /etc/prism/config; changes roll the pods.',
    ),
  ),
  resources: Type.Optional(ResourceRequirements),
  service: Type.Optional(ServiceSpec),
  autoscaling: Type.Optional(AutoscalingSpec),
  placement: Type.Optional(PlacementSpec),
  disruption: Type.Optional(DisruptionSpec),
  serviceAccountName: Type.Optional(Type.String()),
  podAnnotations: Type.Optional(stringMap('Annotations added to the pods.')),
  podSecurityContext: Type.Optional(
    k8sObject('Pod security context; default runAsNonRoot with the RuntimeDefault seccomp profile.'),
  ),
  securityContext: Type.Optional(
    k8sObject(
      'Container security context; default: no privilege escalation, all capabilities dropped, read-only root.',
    ),
  ),
  livenessProbe: Type.Optional(k8sObject('Liveness probe (core/v1 Probe).')),
  readinessProbe: Type.Optional(k8sObject('Readiness probe (core/v1 Probe).')),
});
export type PrismPatternSpec = Static<typeof PrismPatternSpec>;

export const PATTERN_PHASES = [
  'Pending',
  'Progressing',
  'Running',
  'ScaledToZero',
  'Degraded',
  'Invalid',
] as const;
export type PatternPhase = (typeof PATTERN_PHASES)[number];

export const ScalerStatus = Type.Object({
  engine: enumOf(['hpa', 'keda'] as const),
  objectName: Type.String(),
  currentReplicas: Type.Optional(int32()),
  desiredReplicas: Type.Optional(int32()),
  minReplicas: Type.Optional(int32()),
  maxReplicas: Type.Optional(int32()),
  lastScaleTime: Type.Optional(Type.String({ format: 'date-time' })),
  active: Type.Optional(Type.Boolean()),
  paused: Type.Optional(Type.Boolean()),
  conditions: Type.Optional(
    Type.Array(
      Type.Object({
        type: Type.String(),
        status: Type.String(),
        reason: Type.Optional(Type.String()),
        message: Type.Optional(Type.String()),
      }),
      { description: 'The HPA’s or ScaledObject’s own conditions.' },
    ),
  ),
});
export type ScalerStatus = Static<typeof ScalerStatus>;

export const PrismPatternStatus = Type.Object({
  phase: Type.Optional(enumOf(PATTERN_PHASES)),
  observedGeneration: Type.Optional(Type.Integer({ format: 'int64' })),
  replicas: Type.Optional(int32()),
  readyReplicas: Type.Optional(int32()),
  availableReplicas: Type.Optional(int32()),
  conditions: Type.Optional(Conditions),
  scaler: Type.Optional(ScalerStatus),
});
export type PrismPatternStatus = Static<typeof PrismPatternStatus>;
