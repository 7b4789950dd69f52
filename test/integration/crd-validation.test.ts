// The four prism.io CRDs on a real API server: which objects they accept, which
// they refuse and with what message (schema, enums, ranges, formats and CEL
// rules), the defaults they fill in, that no field is pruned, and that
// `kubectl get prism` lists them all.
import { expect } from 'chai';
import * as k8s from '@kubernetes/client-node';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { crdDir } from '../support/paths.js';
import { eventually } from '../support/wait.js';

const GROUP = 'prism.io';
const VERSION = 'v1alpha1';

const PLURAL = {
  PrismPattern: 'prismpatterns',
  PrismBackend: 'prismbackends',
  PrismNamespace: 'prismnamespaces',
  PrismStack: 'prismstacks',
} as const;
type Kind = keyof typeof PLURAL;
const KINDS = Object.keys(PLURAL) as Kind[];

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A deep copy of `base` with `patch` merged in; null in `patch` removes a field, arrays are replaced. */
function merged(base: Json, patch: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(base)) if (!(key in patch)) out[key] = structuredClone(value);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) continue;
    const was = base[key];
    out[key] = isObject(value) && isObject(was) ? merged(was, value) : structuredClone(value);
  }
  return out;
}

// --- Fixtures: the smallest valid spec of each kind, changed by a patch.

const aPattern = (patch: Json = {}) =>
  merged({ pattern: 'consumer', backend: 'kafka', image: 'registry.invalid/consumer:1' }, patch);
const aKafkaBackend = (patch: Json = {}) =>
  merged({ provider: 'kafka', connection: { bootstrapServers: ['kafka-0.kafka:9092'] } }, patch);
const aBackend = (provider: string, connection: Json, patch: Json = {}) =>
  merged({ provider, connection }, patch);
const aNamespace = (patch: Json = {}) => merged({}, patch);
const aStack = (patch: Json = {}) => merged({ proxy: { image: 'registry.invalid/prism-proxy:1' } }, patch);

const kedaOn = (patch: Json = {}) =>
  merged(
    {
      enabled: true,
      scaler: 'keda',
      minReplicas: 0,
      maxReplicas: 10,
      triggers: [{ type: 'kafka', name: 'lag', metadata: { lagThreshold: 100, topic: 'orders' } }],
    },
    patch,
  );

const full = {
  PrismPattern: aPattern({
    backendRef: { name: 'orders-kafka' },
    imagePullPolicy: 'IfNotPresent',
    replicas: 2,
    args: ['--verbose'],
    env: [{ name: 'LOG_LEVEL', value: 'debug' }],
    config: { 'runner.yaml': 'a: 1\n' },
    resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: 1, memory: '256Mi' } },
    service: { type: 'ClusterIP', port: 9000, annotations: { a: 'b' } },
    autoscaling: kedaOn(),
    placement: { nodeSelector: { zone: 'a' }, tolerations: [{ key: 'k', operator: 'Exists' }] },
    disruption: { maxUnavailable: '25%' },
  }),
  PrismBackend: aBackend(
    'postgres',
    { endpoints: ['pg-0.pg:5432', '[fd00::1]:5432'], database: 'orders' },
    {
      secretRef: { name: 'pg-credentials', keys: { username: 'user', password: 'pass' } },
      tls: {
        enabled: true,
        caSecretRef: { name: 'pg-ca', key: 'ca.pem' },
        certSecretRef: { name: 'pg-client' },
        serverName: 'pg.example.com',
        insecureSkipVerify: false,
      },
      healthCheck: { enabled: true, interval: '1m', timeout: '2500ms' },
    },
  ),
  PrismNamespace: aNamespace({
    namespace: 'team-orders',
    displayName: 'Orders team',
    labels: { team: 'orders', 'example.com/cost-centre': 'cc-42' },
    annotations: { owner: 'orders@example.com' },
    adopt: true,
    quota: {
      cpu: '4',
      memory: '8Gi',
      limitsCpu: 8,
      limitsMemory: '16Gi',
      requestsStorage: '100Gi',
      pods: 50,
      services: 10,
      persistentVolumeClaims: 5,
      configMaps: 40,
      secrets: 40,
    },
    limits: {
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '500m', memory: '512Mi' },
      max: { cpu: 2, memory: '2Gi' },
      min: { cpu: '10m', memory: '16Mi' },
    },
    isolation: 'strict',
    access: [
      { kind: 'Group', name: 'orders-devs', role: 'edit' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'ci-system', role: 'admin' },
      { kind: 'User', name: 'alice@example.com', role: 'view' },
    ],
    allowedPatterns: ['keyvalue', 'pubsub'],
    allowedBackends: ['kafka', 'redis'],
    deletionPolicy: 'Retain',
    ttl: '72h',
  }),
  PrismStack: aStack({
    proxy: {
      replicas: 3,
      port: 8990,
      resources: { requests: { cpu: '250m' } },
      autoscaling: { enabled: true, minReplicas: 2, maxReplicas: 6, targetCPUUtilizationPercentage: 70 },
      placement: { nodeSelector: { pool: 'proxy' } },
      service: { type: 'LoadBalancer', port: 443, annotations: { lb: 'internal' } },
    },
    admin: {
      enabled: true,
      image: 'registry.invalid/prism-admin:1',
      replicas: 3,
      port: 8991,
      leaderElection: { enabled: true, leaseDuration: '20s', renewDeadline: '15s', retryPeriod: '3s' },
      placement: { priorityClassName: 'high' },
      service: { type: 'ClusterIP' },
      resources: { limits: { memory: '512Mi' } },
    },
    patterns: [
      aPattern({ name: 'orders', backendRef: { name: 'events' }, autoscaling: kedaOn() }),
      aPattern({ name: 'cache', pattern: 'keyvalue', backend: 'redis', disruption: { minAvailable: 1 } }),
    ],
    backends: [
      { name: 'events', ...aKafkaBackend({ connection: { topic: 'orders' } }) },
      { name: 'cache', ...aBackend('redis', { endpoints: ['redis:6379'], database: '0' }) },
    ],
    namespaces: [
      { name: 'tenant-a', quota: { pods: 10 }, access: [{ kind: 'User', name: 'a', role: 'view' }] },
    ],
    observability: {
      metricsPort: 9100,
      tracingEndpoint: 'otel-collector.observability:4317',
      serviceMonitor: true,
    },
  }),
} satisfies Record<Kind, Json>;

interface Case {
  kind: Kind;
  what: string;
  spec: Json;
  /** metadata.name (default: generated). */
  name?: string;
}
interface Refusal extends Case {
  /** A substring of the API server's message. */
  message: string;
}

const accepted: Case[] = [
  { kind: 'PrismPattern', what: 'a minimal pattern', spec: aPattern() },
  { kind: 'PrismPattern', what: 'every field', spec: full.PrismPattern },
  { kind: 'PrismPattern', what: 'a 54-character name', spec: aPattern(), name: 'p'.repeat(54) },
  { kind: 'PrismBackend', what: 'a minimal kafka backend', spec: aKafkaBackend() },
  {
    kind: 'PrismBackend',
    what: 'postgres with endpoints, database, credentials and TLS',
    spec: full.PrismBackend,
  },
  {
    kind: 'PrismBackend',
    what: 'postgres whose url is in a Secret',
    spec: aBackend(
      'postgres',
      { database: 'orders' },
      { secretRef: { name: 'pg', keys: { url: 'dsn' } }, tls: { insecureSkipVerify: true } },
    ),
  },
  {
    kind: 'PrismBackend',
    what: 'sqs with region, queue and an endpoint override',
    spec: aBackend('sqs', { region: 'eu-west-1', queue: 'orders', url: 'http://localstack:4566' }),
  },
  {
    kind: 'PrismBackend',
    what: 'nats by url',
    spec: aBackend('nats', { url: 'nats://nats:4222', stream: 'ORDERS' }),
  },
  {
    kind: 'PrismBackend',
    what: 'rabbitmq with a vhost and a token',
    spec: aBackend(
      'rabbitmq',
      { endpoints: ['rabbit:5672'], vhost: '/orders', queue: 'q' },
      { secretRef: { name: 'rabbit', keys: { token: 't' } } },
    ),
  },
  {
    kind: 'PrismBackend',
    what: 'tcp to an IPv6 endpoint',
    spec: aBackend('tcp', { endpoints: ['[::1]:7000'] }),
  },
  { kind: 'PrismNamespace', what: 'an empty spec (Namespace named after the object)', spec: aNamespace() },
  { kind: 'PrismNamespace', what: 'every field', spec: full.PrismNamespace },
  {
    kind: 'PrismNamespace',
    what: 'a dotted name when spec.namespace is set',
    spec: aNamespace({ namespace: 'dotted' }),
    name: 'team.dotted',
  },
  { kind: 'PrismStack', what: 'a minimal stack', spec: aStack() },
  { kind: 'PrismStack', what: 'every field', spec: full.PrismStack },
  {
    kind: 'PrismStack',
    what: 'a disabled admin without an image',
    spec: aStack({ admin: { enabled: false } }),
  },
  {
    kind: 'PrismStack',
    what: 'a 48-character name with a 5-character pattern (54 in all)',
    name: 's'.repeat(48),
    spec: aStack({ patterns: [aPattern({ name: 'abcde' })] }),
  },
];

const refused: Refusal[] = [
  // PrismPattern
  {
    kind: 'PrismPattern',
    what: 'a pattern that is not a DNS label',
    spec: aPattern({ pattern: 'Key_Value' }),
    message: 'spec.pattern in body should match',
  },
  {
    kind: 'PrismPattern',
    what: 'no image',
    spec: aPattern({ image: null }),
    message: 'spec.image: Required value',
  },
  {
    kind: 'PrismPattern',
    what: 'an unknown imagePullPolicy',
    spec: aPattern({ imagePullPolicy: 'Sometimes' }),
    message: 'spec.imagePullPolicy: Unsupported value: "Sometimes"',
  },
  {
    kind: 'PrismPattern',
    what: 'a service port above 65535',
    spec: aPattern({ service: { port: 70000 } }),
    message: 'spec.service.port in body should be less than or equal to 65535',
  },
  {
    kind: 'PrismPattern',
    what: 'a CPU request that is not a quantity',
    spec: aPattern({ resources: { requests: { cpu: 'lots' } } }),
    message: 'spec.resources.requests.cpu in body should match',
  },
  {
    kind: 'PrismPattern',
    what: 'autoscaling without maxReplicas',
    spec: aPattern({ autoscaling: { enabled: true } }),
    message: 'maxReplicas is required when autoscaling is enabled',
  },
  {
    kind: 'PrismPattern',
    what: 'minReplicas above maxReplicas',
    spec: aPattern({ autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 2 } }),
    message: 'minReplicas must be less than or equal to maxReplicas',
  },
  {
    kind: 'PrismPattern',
    what: 'minReplicas 0 with an HPA',
    spec: aPattern({ autoscaling: { enabled: true, minReplicas: 0, maxReplicas: 2 } }),
    message: 'minReplicas 0 needs scaler: keda',
  },
  {
    kind: 'PrismPattern',
    what: 'keda without triggers',
    spec: aPattern({ autoscaling: kedaOn({ triggers: [] }) }),
    message: 'scaler: keda needs at least one trigger',
  },
  {
    kind: 'PrismPattern',
    what: 'two triggers with one name',
    spec: aPattern({
      autoscaling: kedaOn({
        triggers: [
          { type: 'cpu', name: 't' },
          { type: 'kafka', name: 't' },
        ],
      }),
    }),
    message: 'trigger names must be unique',
  },
  {
    kind: 'PrismPattern',
    what: 'both minAvailable and maxUnavailable',
    spec: aPattern({ disruption: { minAvailable: 1, maxUnavailable: 1 } }),
    message: 'set exactly one of minAvailable or maxUnavailable',
  },
  {
    kind: 'PrismPattern',
    what: 'a disruption budget of "half"',
    spec: aPattern({ disruption: { minAvailable: 'half' } }),
    message: 'must be a number or a percentage like 25%',
  },
  {
    kind: 'PrismPattern',
    what: 'a 55-character name',
    spec: aPattern(),
    name: 'p'.repeat(55),
    message: 'PrismPattern names are limited to 54 characters',
  },

  // PrismBackend
  {
    kind: 'PrismBackend',
    what: 'an unknown provider',
    spec: aKafkaBackend({ provider: 'mongodb' }),
    message: 'spec.provider: Unsupported value: "mongodb"',
  },
  {
    kind: 'PrismBackend',
    what: 'no connection',
    spec: aKafkaBackend({ connection: null }),
    message: 'spec.connection: Required value',
  },
  {
    kind: 'PrismBackend',
    what: 'kafka without bootstrapServers',
    spec: aBackend('kafka', { topic: 'orders' }),
    message: 'provider kafka needs connection.bootstrapServers',
  },
  {
    kind: 'PrismBackend',
    what: 'postgres without a database',
    spec: aBackend('postgres', { endpoints: ['pg:5432'] }),
    message: 'spec.connection: Required value: provider postgres needs connection.database and one of',
  },
  {
    kind: 'PrismBackend',
    what: 'postgres without endpoints or url',
    spec: aBackend('postgres', { database: 'orders' }),
    message: 'provider postgres needs',
  },
  {
    kind: 'PrismBackend',
    what: 'sqs without a region',
    spec: aBackend('sqs', { queue: 'orders' }),
    message: 'provider sqs needs connection.region and connection.queue',
  },
  {
    kind: 'PrismBackend',
    what: 'tcp without endpoints',
    spec: aBackend('tcp', {}),
    message: 'provider tcp needs connection.endpoints',
  },
  {
    kind: 'PrismBackend',
    what: 'nats with neither endpoints nor url',
    spec: aBackend('nats', { stream: 'S' }),
    message: 'provider nats needs connection.endpoints, connection.url or secretRef.keys.url',
  },
  {
    kind: 'PrismBackend',
    what: 'bootstrapServers on a nats backend',
    spec: aBackend('nats', { url: 'nats://n:4222', bootstrapServers: ['k:9092'] }),
    message:
      'spec.connection.bootstrapServers: Forbidden: connection.bootstrapServers applies only to provider kafka',
  },
  {
    kind: 'PrismBackend',
    what: 'a vhost on a redis backend',
    spec: aBackend('redis', { endpoints: ['r:6379'], vhost: '/' }),
    message: 'connection.vhost applies only to provider rabbitmq',
  },
  {
    kind: 'PrismBackend',
    what: 'a redis database that is not a number',
    spec: aBackend('redis', { endpoints: ['r:6379'], database: 'orders' }),
    message: 'connection.database of a redis backend is a database number',
  },
  {
    kind: 'PrismBackend',
    what: 'a redis url with an http scheme',
    spec: aBackend('redis', { url: 'http://redis:6379' }),
    message: 'connection.url must use a scheme of its provider',
  },
  {
    kind: 'PrismBackend',
    what: 'a port above 65535',
    spec: aBackend('kafka', { bootstrapServers: ['kafka:65536'] }),
    message: 'spec.connection.bootstrapServers[0] in body should match',
  },
  {
    kind: 'PrismBackend',
    what: 'an address without a port',
    spec: aBackend('tcp', { endpoints: ['tcp-server'] }),
    message: 'spec.connection.endpoints[0] in body should match',
  },
  {
    kind: 'PrismBackend',
    what: 'a broker listed twice',
    spec: aBackend('kafka', { bootstrapServers: ['k:9092', 'k:9092'] }),
    message: 'spec.connection.bootstrapServers[1]: Duplicate value',
  },
  {
    kind: 'PrismBackend',
    what: 'an empty endpoints list',
    spec: aBackend('tcp', { endpoints: [] }),
    message: 'spec.connection.endpoints: Invalid value',
  },
  {
    kind: 'PrismBackend',
    what: 'a region that is not an AWS region',
    spec: aBackend('sqs', { region: 'Europe', queue: 'q' }),
    message: 'spec.connection.region in body should match',
  },
  {
    kind: 'PrismBackend',
    what: 'a Secret reference naming no key',
    spec: aKafkaBackend({ secretRef: { name: 's', keys: {} } }),
    message: 'name at least one of username, password, url or token',
  },
  {
    kind: 'PrismBackend',
    what: 'a username without a password',
    spec: aKafkaBackend({ secretRef: { name: 's', keys: { username: 'u' } } }),
    message: 'a username needs a password key',
  },
  {
    kind: 'PrismBackend',
    what: 'insecureSkipVerify with a CA',
    spec: aKafkaBackend({ tls: { insecureSkipVerify: true, caSecretRef: { name: 'ca' } } }),
    message: 'insecureSkipVerify ignores caSecretRef',
  },
  {
    kind: 'PrismBackend',
    what: 'an interval in words',
    spec: aKafkaBackend({ healthCheck: { interval: '30 seconds' } }),
    message: 'spec.healthCheck.interval: Invalid value: "30 seconds": must be a duration',
  },
  {
    kind: 'PrismBackend',
    what: 'an interval below 1s',
    spec: aKafkaBackend({ healthCheck: { interval: '500ms', timeout: '100ms' } }),
    message: 'at least 1s',
  },
  {
    kind: 'PrismBackend',
    what: 'a timeout longer than the interval',
    spec: aKafkaBackend({ healthCheck: { interval: '10s', timeout: '1m' } }),
    message: 'spec.healthCheck.timeout: Invalid value: timeout must be shorter than interval',
  },
  {
    kind: 'PrismBackend',
    what: 'a dotted name',
    spec: aKafkaBackend(),
    name: 'orders.kafka',
    message: 'PrismBackend names are DNS labels',
  },

  // PrismNamespace
  {
    kind: 'PrismNamespace',
    what: 'a namespace that is not a DNS label',
    spec: aNamespace({ namespace: 'Team_A' }),
    message: 'spec.namespace in body should match',
  },
  {
    kind: 'PrismNamespace',
    what: 'kube-system as the namespace',
    spec: aNamespace({ namespace: 'kube-system' }),
    message: 'the default and kube-* Namespaces are reserved',
  },
  {
    kind: 'PrismNamespace',
    what: 'a kube-* name without spec.namespace',
    spec: aNamespace(),
    name: 'kube-tenant',
    message: 'default and kube-* are reserved',
  },
  {
    kind: 'PrismNamespace',
    what: 'a dotted name without spec.namespace',
    spec: aNamespace(),
    name: 'team.a',
    message: 'which cannot contain dots',
  },
  {
    kind: 'PrismNamespace',
    what: 'an unknown isolation',
    spec: aNamespace({ isolation: 'total' }),
    message: 'spec.isolation: Unsupported value: "total"',
  },
  {
    kind: 'PrismNamespace',
    what: 'an unknown deletionPolicy',
    spec: aNamespace({ deletionPolicy: 'Orphan' }),
    message: 'spec.deletionPolicy: Unsupported value: "Orphan"',
  },
  {
    kind: 'PrismNamespace',
    what: 'a namespace on a User subject',
    spec: aNamespace({ access: [{ kind: 'User', name: 'bob', namespace: 'x', role: 'view' }] }),
    message: 'spec.access[0].namespace: Forbidden: namespace applies only to ServiceAccount subjects',
  },
  {
    kind: 'PrismNamespace',
    what: 'an unknown role',
    spec: aNamespace({ access: [{ kind: 'Group', name: 'devs', role: 'owner' }] }),
    message: 'spec.access[0].role: Unsupported value: "owner"',
  },
  {
    kind: 'PrismNamespace',
    what: 'a ServiceAccount name with capitals',
    spec: aNamespace({ access: [{ kind: 'ServiceAccount', name: 'CI_Bot', role: 'edit' }] }),
    message: 'a ServiceAccount name must be a DNS subdomain',
  },
  {
    kind: 'PrismNamespace',
    what: 'a negative CPU quota',
    spec: aNamespace({ quota: { cpu: '-1' } }),
    message: 'spec.quota.cpu in body should match',
  },
  {
    kind: 'PrismNamespace',
    what: 'a negative pod count',
    spec: aNamespace({ quota: { pods: -1 } }),
    message: 'spec.quota.pods in body should be greater than or equal to 0',
  },
  {
    kind: 'PrismNamespace',
    what: 'an empty quota',
    spec: aNamespace({ quota: {} }),
    message: 'spec.quota in body should have at least 1 properties',
  },
  {
    kind: 'PrismNamespace',
    what: 'CPU requests above CPU limits',
    spec: aNamespace({ quota: { cpu: 4, limitsCpu: '2' } }),
    message: 'cpu (requests) must not exceed limitsCpu',
  },
  {
    kind: 'PrismNamespace',
    what: 'a default request above the default limit',
    spec: aNamespace({ limits: { defaultRequest: { memory: '1Gi' }, default: { memory: '512Mi' } } }),
    message: 'defaultRequest must not exceed default',
  },
  {
    kind: 'PrismNamespace',
    what: 'a default limit above max',
    spec: aNamespace({ limits: { defaultRequest: { cpu: '1' }, default: { cpu: '3' }, max: { cpu: '2' } } }),
    message: 'default must not exceed max',
  },
  {
    kind: 'PrismNamespace',
    what: 'limits without a default',
    spec: aNamespace({ limits: { defaultRequest: { cpu: '1' } } }),
    message: 'spec.limits.default: Required value',
  },
  {
    kind: 'PrismNamespace',
    what: 'a ttl in words',
    spec: aNamespace({ ttl: '3 days' }),
    message: 'spec.ttl: Invalid value: "3 days": must be a duration',
  },
  {
    kind: 'PrismNamespace',
    what: 'a ttl under a minute',
    spec: aNamespace({ ttl: '30s' }),
    message: 'at least 1m',
  },
  {
    kind: 'PrismNamespace',
    what: 'a label under prism.io/',
    spec: aNamespace({ labels: { 'prism.io/owner-name': 'x' } }),
    message: 'labels under prism.io/ are reserved for the operator',
  },
  {
    kind: 'PrismNamespace',
    what: 'a label key with a space',
    spec: aNamespace({ labels: { 'cost centre': 'x' } }),
    message: 'label keys must be qualified names',
  },
  {
    kind: 'PrismNamespace',
    what: 'a label value over 63 characters',
    spec: aNamespace({ labels: { team: 'x'.repeat(64) } }),
    message: 'spec.labels.team: Too long',
  },
  {
    kind: 'PrismNamespace',
    what: 'an unknown backend type',
    spec: aNamespace({ allowedBackends: ['mongodb'] }),
    message: 'spec.allowedBackends[0]: Unsupported value: "mongodb"',
  },
  {
    kind: 'PrismNamespace',
    what: 'a pattern listed twice',
    spec: aNamespace({ allowedPatterns: ['pubsub', 'pubsub'] }),
    message: 'spec.allowedPatterns[1]: Duplicate value',
  },

  // PrismStack
  {
    kind: 'PrismStack',
    what: 'no proxy image',
    spec: aStack({ proxy: { image: null, replicas: 1 } }),
    message: 'spec.proxy.image: Required value',
  },
  {
    kind: 'PrismStack',
    what: 'proxy port 0',
    spec: aStack({ proxy: { port: 0 } }),
    message: 'spec.proxy.port in body should be greater than or equal to 1',
  },
  {
    kind: 'PrismStack',
    what: 'proxy autoscaling without maxReplicas (the shared rule)',
    spec: aStack({ proxy: { autoscaling: { enabled: true } } }),
    message: 'maxReplicas is required when autoscaling is enabled',
  },
  {
    kind: 'PrismStack',
    what: 'an enabled admin without an image',
    spec: aStack({ admin: {} }),
    message: 'spec.admin.image: Required value: image is required when the admin is enabled',
  },
  {
    kind: 'PrismStack',
    what: 'admin replicas without leader election',
    spec: aStack({ admin: { image: 'a:1', leaderElection: { enabled: false } } }),
    message: 'more than one admin replica needs leaderElection.enabled',
  },
  {
    kind: 'PrismStack',
    what: 'a renewDeadline longer than the lease',
    spec: aStack({ admin: { image: 'a:1', leaderElection: { leaseDuration: '10s', renewDeadline: '20s' } } }),
    message: 'renewDeadline must be shorter than leaseDuration',
  },
  {
    kind: 'PrismStack',
    what: 'a leaseDuration in words',
    spec: aStack({ admin: { image: 'a:1', leaderElection: { leaseDuration: 'long' } } }),
    message: 'spec.admin.leaderElection.leaseDuration: Invalid value: "long": must be a duration',
  },
  {
    kind: 'PrismStack',
    what: 'two patterns with one name',
    spec: aStack({ patterns: [aPattern({ name: 'a' }), aPattern({ name: 'a' })] }),
    message: 'spec.patterns[1]: Duplicate value',
  },
  {
    kind: 'PrismStack',
    what: 'a pattern named proxy',
    spec: aStack({ patterns: [aPattern({ name: 'proxy' })] }),
    message: 'proxy and admin are reserved',
  },
  {
    kind: 'PrismStack',
    what: 'a pattern without a name',
    spec: aStack({ patterns: [aPattern()] }),
    message: 'spec.patterns[0].name: Required value',
  },
  {
    kind: 'PrismStack',
    what: 'a pattern entry breaking a PrismPattern rule',
    spec: aStack({ patterns: [aPattern({ name: 'a', autoscaling: kedaOn({ triggers: null }) })] }),
    message: 'scaler: keda needs at least one trigger',
  },
  {
    kind: 'PrismStack',
    what: 'a pattern disruption budget of "half"',
    spec: aStack({ patterns: [aPattern({ name: 'a', disruption: { minAvailable: 'half' } })] }),
    message: 'spec.patterns[0].disruption.minAvailable in body should match',
  },
  {
    kind: 'PrismStack',
    what: 'a backendRef to no stack backend',
    spec: aStack({ patterns: [aPattern({ name: 'a', backendRef: { name: 'nope' } })] }),
    message: 'patterns[].backendRef.name must name an entry of spec.backends',
  },
  {
    kind: 'PrismStack',
    what: 'a pattern backend that is not its backend’s provider',
    spec: aStack({
      patterns: [aPattern({ name: 'a', backend: 'redis', backendRef: { name: 'k' } })],
      backends: [{ name: 'k', ...aKafkaBackend() }],
    }),
    message: 'patterns[].backend must equal the provider of the backend its backendRef names',
  },
  {
    kind: 'PrismStack',
    what: 'a backend entry breaking a PrismBackend rule',
    spec: aStack({ backends: [{ name: 'k', ...aBackend('kafka', { topic: 't' }) }] }),
    message: 'provider kafka needs connection.bootstrapServers',
  },
  {
    kind: 'PrismStack',
    what: 'two backends with one name',
    spec: aStack({
      backends: [
        { name: 'k', ...aKafkaBackend() },
        { name: 'k', ...aKafkaBackend() },
      ],
    }),
    message: 'spec.backends[1]: Duplicate value',
  },
  {
    kind: 'PrismStack',
    what: 'a namespace entry breaking a PrismNamespace rule',
    spec: aStack({
      namespaces: [{ name: 'n', access: [{ kind: 'Group', name: 'g', namespace: 'x', role: 'view' }] }],
    }),
    message: 'namespace applies only to ServiceAccount subjects',
  },
  {
    kind: 'PrismStack',
    what: 'a metrics port equal to the proxy port',
    spec: aStack({ observability: { metricsPort: 8980 } }),
    message: 'observability.metricsPort must differ from proxy.port and admin.port',
  },
  {
    kind: 'PrismStack',
    what: 'a dotted name',
    spec: aStack(),
    name: 'prism.prod',
    message: 'PrismStack names must start with a letter and contain no dots',
  },
  {
    kind: 'PrismStack',
    what: 'a name starting with a digit',
    spec: aStack(),
    name: '1prism',
    message: 'PrismStack names must start with a letter',
  },
  {
    kind: 'PrismStack',
    what: 'a 49-character name',
    spec: aStack(),
    name: 's'.repeat(49),
    message: 'PrismStack names are limited to 48 characters',
  },
  {
    kind: 'PrismStack',
    what: 'stack and pattern names over 54 in all',
    name: 's'.repeat(48),
    spec: aStack({ patterns: [aPattern({ name: 'abcdef' })] }),
    message: 'PrismPattern names (<stack>-<name>) are limited to 54 characters',
  },
  {
    kind: 'PrismStack',
    what: 'stack and backend names over 63 in all',
    name: 's'.repeat(40),
    spec: aStack({ backends: [{ name: 'b'.repeat(23), ...aKafkaBackend() }] }),
    message: 'PrismBackend names (<stack>-<name>) are limited to 63 characters',
  },
  {
    kind: 'PrismStack',
    what: 'a stack named kube deriving kube-* Namespaces',
    name: 'kube',
    spec: aStack({ namespaces: [{ name: 'system' }] }),
    message: 'under the reserved kube- prefix',
  },
];

/** The status code and the message of a refusal, as kubectl would print it. */
function errorText(err: unknown): string {
  if (!(err instanceof k8s.ApiException)) return err instanceof Error ? err.message : String(err);
  const raw = typeof err.body === 'string' ? err.body : JSON.stringify(err.body);
  try {
    return `${err.code} ${(JSON.parse(raw) as { message: string }).message}`;
  } catch {
    return `${err.code} ${raw}`;
  }
}

/** Checks every leaf of `expected` is in `actual` (which may hold more, e.g. defaults). */
function expectContains(actual: unknown, expected: unknown, path = ''): void {
  if (isObject(expected)) {
    expect(actual, path).to.be.an('object');
    for (const [k, v] of Object.entries(expected)) expectContains((actual as Json)[k], v, `${path}.${k}`);
  } else if (Array.isArray(expected)) {
    expect(actual, path).to.be.an('array').with.length(expected.length);
    expected.forEach((v, i) => {
      expectContains((actual as unknown[])[i], v, `${path}[${i}]`);
    });
  } else {
    expect(actual, path).to.equal(expected);
  }
}

describe('the prism.io CRDs on a real API server', function () {
  let custom: k8s.CustomObjectsApi;
  let ns: string;
  let serial = 0;

  const body = (kind: Kind, name: string, spec: Json) => ({
    apiVersion: `${GROUP}/${VERSION}`,
    kind,
    metadata: { name, namespace: ns },
    spec,
  });
  const create = async (kind: Kind, spec: Json, name = `${kind.toLowerCase()}-${++serial}`) =>
    (await custom.createNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL[kind],
      body: body(kind, name, spec),
    })) as { metadata: { name: string }; spec: Json };
  const get = async (kind: Kind, name: string) =>
    (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL[kind],
      name,
    })) as { spec: Json; status?: Json };
  const mergePatch = (kind: Kind, name: string, patch: Json, status = false) => {
    const req = { group: GROUP, version: VERSION, namespace: ns, plural: PLURAL[kind], name, body: patch };
    const opts = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
    return status
      ? custom.patchNamespacedCustomObjectStatus(req, opts)
      : custom.patchNamespacedCustomObject(req, opts);
  };
  const refusal = async (promise: Promise<unknown>): Promise<string> => {
    try {
      await promise;
    } catch (err) {
      return errorText(err);
    }
    throw new Error('the API server accepted it');
  };

  before(async function () {
    this.timeout(90_000);
    const { kubeConfig } = testEnv();
    custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    // Installed as users install them; kubectl keeps x-kubernetes-* keys intact.
    await kubectl('apply', '--server-side', '--field-manager=prism-tests', '-f', crdDir);
    const ext = kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
    for (const kind of KINDS) {
      await eventually(
        async () => {
          const crd = await ext.readCustomResourceDefinition({ name: `${PLURAL[kind]}.${GROUP}` });
          return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
        },
        { what: `the ${kind} CRD to become Established` },
      );
    }
    ns = await newNamespace('crdv');
    // Established can precede the endpoint being served: wait until each kind can be listed.
    for (const kind of KINDS) {
      await eventually(
        () =>
          custom.listNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace: ns,
            plural: PLURAL[kind],
          }),
        { what: `${kind} to be served` },
      );
    }
  });

  describe('accepts', () => {
    for (const c of accepted) {
      it(`a ${c.kind} with ${c.what}`, async () => {
        const created = await create(c.kind, c.spec, c.name);
        // Nothing the types have is pruned: every field sent comes back.
        expectContains(created.spec, c.spec, 'spec');
      });
    }
  });

  describe('refuses', () => {
    for (const c of refused) {
      it(`a ${c.kind} with ${c.what}: "${c.message}"`, async () => {
        const text = await refusal(create(c.kind, c.spec, c.name ?? 'refused'));
        expect(text).to.match(/^422 /);
        expect(text).to.include(c.message);
      });
    }
  });

  describe('defaults', () => {
    it('fills in a backend health check: enabled, every 30s, 5s timeout', async () => {
      const got = await create('PrismBackend', aKafkaBackend({ tls: {} }));
      expect(got.spec.healthCheck).to.deep.equal({ enabled: true, interval: '30s', timeout: '5s' });
      expect(got.spec.tls).to.deep.equal({ enabled: true, insecureSkipVerify: false });
    });

    it('fills in a namespace: no adoption, namespace isolation, deleted with its owner', async () => {
      const got = await create(
        'PrismNamespace',
        aNamespace({ limits: { defaultRequest: { cpu: 1 }, default: { cpu: 2 } } }),
      );
      expect(got.spec).to.deep.include({ adopt: false, isolation: 'namespace', deletionPolicy: 'Delete' });
    });

    it('fills in a stack: proxy on 8980 with 2 replicas, admin on 8981 with 3, metrics on 9090', async () => {
      const got = await create(
        'PrismStack',
        aStack({
          admin: { image: 'registry.invalid/prism-admin:1' },
          patterns: [aPattern({ name: 'orders' })],
          backends: [{ name: 'events', ...aKafkaBackend() }],
        }),
      );
      expect(got.spec.proxy).to.deep.include({ replicas: 2, port: 8980, service: { type: 'ClusterIP' } });
      expect(got.spec.admin).to.deep.include({
        enabled: true,
        replicas: 3,
        port: 8981,
        leaderElection: { enabled: true, leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s' },
      });
      expect(got.spec.observability).to.deep.equal({ metricsPort: 9090, serviceMonitor: false });
      // Entries get their kind's defaults too.
      expect((got.spec.patterns as Json[])[0]).to.deep.include({ replicas: 1 });
      expect((got.spec.backends as Json[])[0]?.healthCheck).to.deep.equal({
        enabled: true,
        interval: '30s',
        timeout: '5s',
      });
    });
  });

  describe('transition rules', () => {
    it('refuses changing, adding or removing a PrismNamespace’s target namespace', async () => {
      const pinned = await create('PrismNamespace', aNamespace({ namespace: 'pinned-a' }));
      for (const change of [{ namespace: 'pinned-b' }, { namespace: null }]) {
        const text = await refusal(mergePatch('PrismNamespace', pinned.metadata.name, { spec: change }));
        expect(text).to.include('namespace is immutable');
      }
      const derived = await create('PrismNamespace', aNamespace());
      const text = await refusal(
        mergePatch('PrismNamespace', derived.metadata.name, { spec: { namespace: 'late' } }),
      );
      expect(text).to.include('namespace is immutable');
      // Other fields stay editable.
      await mergePatch('PrismNamespace', pinned.metadata.name, { spec: { isolation: 'none' } });
    });

    it('refuses changing the namespace of a stack’s namespaces[] entry', async () => {
      const stack = await create('PrismStack', aStack({ namespaces: [{ name: 'a', namespace: 'stack-a' }] }));
      const text = await refusal(
        mergePatch('PrismStack', stack.metadata.name, {
          spec: { namespaces: [{ name: 'a', namespace: 'stack-b' }] },
        }),
      );
      expect(text).to.include('namespace is immutable');
    });
  });

  describe('status', () => {
    const statuses: Record<Exclude<Kind, 'PrismPattern'>, Json> = {
      PrismBackend: {
        phase: 'Unreachable',
        healthy: false,
        lastChecked: '2025-01-01T00:00:00Z',
        endpoints: [
          { address: 'pg-0.pg:5432', reachable: true, latencyMs: 3 },
          { address: '[fd00::1]:5432', reachable: false, error: 'connection refused' },
        ],
        observedGeneration: 1,
        conditions: [
          {
            type: 'BackendReachable',
            status: 'False',
            reason: 'Unreachable',
            message: '1 of 2 endpoints unreachable',
            lastTransitionTime: '2025-01-01T00:00:00Z',
          },
        ],
        connectionConfigMap: 'orders-pg-connection',
      },
      PrismNamespace: {
        phase: 'Active',
        namespace: 'team-orders',
        provisionedAt: '2025-01-01T00:00:00Z',
        expiresAt: '2025-01-04T00:00:00Z',
        quota: { hard: { pods: '50', 'requests.cpu': '4' }, used: { pods: '3', 'requests.cpu': '500m' } },
        observedGeneration: 1,
        conditions: [
          {
            type: 'QuotaEnforced',
            status: 'True',
            reason: 'QuotaApplied',
            message: '',
            lastTransitionTime: '2025-01-01T00:00:00Z',
          },
        ],
      },
      PrismStack: {
        phase: 'Degraded',
        observedGeneration: 1,
        conditions: [
          {
            type: 'PatternsReady',
            status: 'False',
            reason: 'PatternNotReady',
            message: 'cache is Progressing',
            lastTransitionTime: '2025-01-01T00:00:00Z',
          },
        ],
        proxy: { replicas: 3, readyReplicas: 3 },
        admin: { replicas: 3, readyReplicas: 2 },
        patterns: [
          { name: 'orders', phase: 'Running', ready: true },
          { name: 'cache', phase: 'Progressing', ready: false },
        ],
        backends: [{ name: 'events', phase: 'Ready', ready: true }],
        namespaces: [{ name: 'tenant-a', phase: 'Active', ready: true }],
        summary: { proxy: '3/3', patterns: '1/2', backends: '1/1', namespaces: '1/1' },
      },
    };

    for (const [kind, status] of Object.entries(statuses) as [Exclude<Kind, 'PrismPattern'>, Json][]) {
      it(`keeps every ${kind} status field written through the status subresource`, async () => {
        const obj = await create(kind, full[kind]);
        await mergePatch(kind, obj.metadata.name, { status }, true);
        expectContains((await get(kind, obj.metadata.name)).status, status, 'status');
      });
    }

    it('shows the printer columns', async () => {
      const headers = async (resource: string, wide = false) =>
        (await kubectl('get', resource, '-n', ns, ...(wide ? ['-o', 'wide'] : [])))
          .split('\n')[0]!
          .trim()
          .split(/\s+/);
      expect(await headers('pbe')).to.deep.equal(['NAME', 'PROVIDER', 'HEALTHY', 'PHASE', 'AGE']);
      expect(await headers('pns')).to.deep.equal([
        'NAME',
        'NAMESPACE',
        'ISOLATION',
        'PHASE',
        'EXPIRES',
        'AGE',
      ]);
      expect(await headers('pstack')).to.deep.equal(['NAME', 'PROXY', 'PATTERNS', 'PHASE', 'AGE']);
      expect(await headers('pstack', true)).to.deep.equal([
        'NAME',
        'PROXY',
        'PATTERNS',
        'BACKENDS',
        'NAMESPACES',
        'PHASE',
        'AGE',
      ]);
      const stacks = await kubectl(
        'get',
        'pstack',
        '-n',
        ns,
        '-o',
        'custom-columns=P:.status.summary.patterns',
        '--no-headers',
      );
      expect(stacks.split('\n')).to.include('1/2');
    });
  });

  // Last (mocha runs a suite's own tests before its nested suites): by now every kind has objects.
  describe('the prism category', () => {
    it('lists objects of all four kinds under kubectl get prism', async () => {
      const names = (await kubectl('get', 'prism', '-n', ns, '-o', 'name')).trim().split('\n');
      const kinds = new Set(names.map((n) => n.split('/')[0]));
      expect([...kinds].sort()).to.deep.equal([
        'prismbackend.prism.io',
        'prismnamespace.prism.io',
        'prismpattern.prism.io',
        'prismstack.prism.io',
      ]);
    });
  });
});
