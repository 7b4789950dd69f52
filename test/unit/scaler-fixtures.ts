// Fixtures for the scaler tests, written to read like sentences:
//   aPattern('orders').withKeda(kafkaTrigger({ lagThreshold: 1000 })).input()
import type { AutoscalingSpec, SecretTargetRef, TriggerSpec } from '../../src/api/v1alpha1/common.js';
import type { Owner } from '../../src/resources/meta.js';
import type { Obj } from '../../src/runtime/object.js';
import type { ScaledContainer, ScalerInput } from '../../src/scaler/types.js';

type Metadata = NonNullable<TriggerSpec['metadata']>;
type TriggerExtras = Omit<Partial<TriggerSpec>, 'metadata'>;

export const NAMESPACE = 'shop';
export const PATTERN_UID = 'uid-orders';

export const ownerNamed = (name: string): Owner => ({
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismPattern',
  name,
  namespace: NAMESPACE,
  uid: `uid-${name}`,
});

const WELL_SIZED: ScaledContainer = {
  name: 'runner',
  resources: { requests: { cpu: '100m', memory: '128Mi' } },
};

export class PatternBuilder {
  private spec: AutoscalingSpec = { enabled: true, minReplicas: 1, maxReplicas: 10 };
  private containers: ScaledContainer[] = [WELL_SIZED];
  private derivedMeta: Record<string, Record<string, string>> = {};
  private derivedSecrets: Record<string, SecretTargetRef[]> = {};

  constructor(private name: string) {}

  withHpa(spec: Partial<AutoscalingSpec> = {}): this {
    this.spec = { ...this.spec, scaler: 'hpa', ...spec };
    return this;
  }

  withKeda(...triggers: TriggerSpec[]): this {
    this.spec = { ...this.spec, scaler: 'keda', triggers };
    return this;
  }

  with(spec: Partial<AutoscalingSpec>): this {
    this.spec = { ...this.spec, ...spec };
    return this;
  }

  /** Drops a field, e.g. `without('maxReplicas')`. */
  without(field: keyof AutoscalingSpec): this {
    const { [field]: _dropped, ...rest } = this.spec;
    this.spec = rest;
    return this;
  }

  scaling(min: number, max: number): this {
    return this.with({ minReplicas: min, maxReplicas: max });
  }

  withContainers(...containers: ScaledContainer[]): this {
    this.containers = containers;
    return this;
  }

  withoutRequests(): this {
    return this.withContainers({ name: 'runner' });
  }

  /** A PrismBackend that supplies connection metadata (and optionally secrets) for one trigger type. */
  withBackend(type: string, metadata: Record<string, string>, secrets: SecretTargetRef[] = []): this {
    this.derivedMeta[type] = metadata;
    this.derivedSecrets[type] = secrets;
    return this;
  }

  input(): ScalerInput {
    const input: ScalerInput = {
      owner: ownerNamed(this.name),
      spec: this.spec,
      target: { apiVersion: 'apps/v1', kind: 'Deployment', name: this.name },
      containers: this.containers,
    };
    if (Object.keys(this.derivedMeta).length) input.derivedMetadata = (t) => this.derivedMeta[t] ?? {};
    if (Object.keys(this.derivedSecrets).length)
      input.derivedSecretRefs = (t) => this.derivedSecrets[t] ?? [];
    return input;
  }
}

export const aPattern = (name = 'orders') => new PatternBuilder(name);

const trigger =
  (type: string, defaults: Metadata) =>
  (metadata: Metadata = {}, extras: TriggerExtras = {}) =>
    ({ type, metadata: { ...defaults, ...metadata }, ...extras }) as TriggerSpec;

/** Drops metadata keys from a trigger, e.g. `withoutKeys(kafkaTrigger(), 'consumerGroup')`. */
export function withoutKeys(t: TriggerSpec, ...keys: string[]): TriggerSpec {
  const metadata = Object.fromEntries(Object.entries(t.metadata ?? {}).filter(([k]) => !keys.includes(k)));
  return { ...t, metadata };
}

export const secret = (parameter: string, name = 'orders-secrets', key = parameter): SecretTargetRef => ({
  parameter,
  name,
  key,
});

export const kafkaTrigger = trigger('kafka', {
  bootstrapServers: 'kafka-0.kafka:9092,kafka-1.kafka:9092',
  consumerGroup: 'orders',
  topic: 'orders',
  lagThreshold: 100,
});
export const natsTrigger = trigger('nats-jetstream', {
  natsServerMonitoringEndpoint: 'nats.nats:8222',
  account: '$G',
  stream: 'ORDERS',
  consumer: 'orders-worker',
  lagThreshold: 50,
});
export const sqsTrigger = (metadata: Metadata = {}, extras: TriggerExtras = {}) =>
  trigger('aws-sqs-queue', {
    queueURL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/orders',
    awsRegion: 'eu-west-1',
    queueLength: 5,
  })(metadata, { authenticationRef: { name: 'aws-pod-identity' }, ...extras });
export const rabbitTrigger = trigger('rabbitmq', {
  host: 'http://rabbitmq.mq:15672/',
  queueName: 'orders',
  mode: 'QueueLength',
  value: 20,
});
export const redisTrigger = trigger('redis', {
  address: 'redis.cache:6379',
  listName: 'orders',
  listLength: 10,
});
export const redisStreamsTrigger = trigger('redis-streams', {
  address: 'redis.cache:6379',
  stream: 'orders',
  consumerGroup: 'workers',
  lagCount: 10,
});
export const postgresTrigger = trigger('postgresql', {
  host: 'pg.db',
  port: 5432,
  userName: 'prism',
  dbName: 'orders',
  sslmode: 'require',
  query: 'SELECT COUNT(*) FROM jobs WHERE done = false',
  targetQueryValue: 20,
});
export const prometheusTrigger = trigger('prometheus', {
  serverAddress: 'http://prometheus.monitoring:9090',
  query: 'sum(rate(http_requests_total{app="orders"}[1m]))',
  threshold: 100,
});
export const cpuTrigger = (value: string | number = 70, extras: TriggerExtras = {}) =>
  trigger('cpu', {})({ value }, { metricType: 'Utilization', ...extras });
export const memoryTrigger = (value: string | number = 80, extras: TriggerExtras = {}) =>
  trigger('memory', {})({ value }, { metricType: 'Utilization', ...extras });
export const cronTrigger = trigger('cron', {
  timezone: 'Europe/Paris',
  start: '0 8 * * 1-5',
  end: '0 20 * * 1-5',
  desiredReplicas: 3,
});

// ---- observed objects, as the caches hold them ----

interface ObservedOpts {
  deleting?: boolean;
  status?: Record<string, unknown>;
  spec?: Record<string, unknown>;
  uid?: string;
}

function observed(
  apiVersion: string,
  kind: string,
  name: string,
  owner: Obj['metadata']['ownerReferences'],
  o: ObservedOpts,
): Obj {
  const obj: Obj = {
    apiVersion,
    kind,
    metadata: { name, namespace: NAMESPACE, uid: o.uid ?? `uid-${kind}-${name}`, ownerReferences: owner },
  };
  if (o.deleting) obj.metadata.deletionTimestamp = '2026-11-23T10:00:00Z';
  if (o.spec) obj.spec = o.spec;
  if (o.status) obj.status = o.status;
  return obj;
}

const ownedByPattern = (name = 'orders') => [
  { apiVersion: 'prism.io/v1alpha1', kind: 'PrismPattern', name, uid: `uid-${name}`, controller: true },
];

export const ourHpa = (o: ObservedOpts = {}, name = 'orders') =>
  observed('autoscaling/v2', 'HorizontalPodAutoscaler', name, ownedByPattern(name), o);
export const ourScaledObject = (o: ObservedOpts = {}, name = 'orders') =>
  observed('keda.sh/v1alpha1', 'ScaledObject', name, ownedByPattern(name), o);
export const ourTriggerAuth = (o: ObservedOpts = {}, name = 'orders-kafka-0') =>
  observed('keda.sh/v1alpha1', 'TriggerAuthentication', name, ownedByPattern(), o);
export const kedaHpa = (o: ObservedOpts = {}, pattern = 'orders') =>
  observed(
    'autoscaling/v2',
    'HorizontalPodAutoscaler',
    `keda-hpa-${pattern}`,
    [
      {
        apiVersion: 'keda.sh/v1alpha1',
        kind: 'ScaledObject',
        name: pattern,
        uid: 'uid-so',
        controller: true,
      },
    ],
    o,
  );
export const someoneElsesHpa = () =>
  observed('autoscaling/v2', 'HorizontalPodAutoscaler', 'orders-manual', [], {});

// ---- typed views of built objects, for field-by-field checks ----

type Json = Record<string, unknown>;

export interface BuiltTrigger {
  type: string;
  name?: string;
  metadata: Record<string, string>;
  authenticationRef?: { name: string; kind: string };
  metricType?: string;
  useCachedMetrics?: boolean;
}

export interface BuiltScaledObjectSpec {
  triggers: BuiltTrigger[];
  advanced?: { horizontalPodAutoscalerConfig?: { name?: string; behavior?: Json }; [k: string]: unknown };
  [k: string]: unknown;
}

export interface BuiltHpaSpec {
  metrics?: Json[];
  behavior?: { scaleUp?: Json; scaleDown?: Json };
  [k: string]: unknown;
}

export const soSpecOf = (obj: Obj | undefined) => obj?.spec as BuiltScaledObjectSpec;
export const hpaSpecOf = (obj: Obj | undefined) => obj?.spec as BuiltHpaSpec;
