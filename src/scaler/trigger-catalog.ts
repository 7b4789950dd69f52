// What prism-operator knows about KEDA scalers: per trigger type, how each
// metadata parameter is read (format, required, FromEnv, TriggerAuthentication)
// and the scaler's cross-field rules. Facts from KEDA v2.20 scalers and docs.
import type { ParamSpec, ParamTable, TriggerRule } from './trigger-context.js';
import * as rules from './trigger-rules.js';

export interface TriggerType {
  params: ParamTable;
  rules: readonly TriggerRule[];
  /** Alternative ways to give the connection; explicit keys of one form drop derived keys of the others. */
  forms?: readonly (readonly string[])[];
}

const BOOL: ParamSpec = { format: 'bool' };
const bools = (...keys: string[]): ParamTable => Object.fromEntries(keys.map((k) => [k, BOOL]));
/** Parameters KEDA reads only from a TriggerAuthentication (or `<key>FromEnv` when `env`). */
const authOnly = (keys: readonly string[], env = false): ParamTable =>
  Object.fromEntries(keys.map((k) => [k, { auth: true, authOnly: true, env }]));
const TLS_FILES = ['ca', 'cert', 'key', 'keyPassword'];

const kafka: TriggerType = {
  params: {
    bootstrapServers: { required: true, env: true, format: 'hostPortList' },
    consumerGroup: { required: true, env: true },
    topic: { env: true },
    partitionLimitation: { format: 'partitionList' },
    lagThreshold: { format: 'positiveInt' },
    activationLagThreshold: { format: 'nonNegativeInt' },
    offsetResetPolicy: { enum: ['latest', 'earliest'] },
    ...bools(
      'allowIdleConsumers',
      'excludePersistentLag',
      'scaleToZeroOnInvalidOffset',
      'limitToPartitionsWithLag',
      'ensureEvenDistributionOfPartitions',
      'fullMetadata',
      'unsafeSsl',
    ),
    version: {},
    tls: { enum: ['enable', 'disable'], auth: true },
    sasl: {
      enum: ['none', 'plaintext', 'scram_sha256', 'scram_sha512', 'oauthbearer', 'gssapi'],
      auth: true,
    },
    saslTokenProvider: { enum: ['bearer', 'aws_msk_iam'], auth: true },
    awsRegion: { format: 'awsRegion' },
    ...authOnly([
      'username',
      'password',
      ...TLS_FILES,
      'scopes',
      'oauthTokenEndpointUri',
      'oauthExtensions',
      'keytab',
      'realm',
      'kerberosConfig',
      'kerberosServiceName',
      'kerberosDisableFAST',
      'awsRoleArn',
      'awsAccessKeyID',
      'awsSecretAccessKey',
    ]),
  },
  rules: [rules.kafkaPartitionOptions, rules.kafkaSasl, rules.kafkaTlsPair],
};

const natsJetstream: TriggerType = {
  params: {
    natsServerMonitoringEndpoint: { required: true, auth: true, format: 'hostPort' },
    account: { auth: true },
    accountID: { auth: true },
    stream: { required: true },
    consumer: { required: true },
    lagThreshold: { format: 'positiveInt' },
    activationLagThreshold: { format: 'int' },
    useHttps: BOOL,
  },
  rules: [rules.natsAccount],
  forms: [['account'], ['accountID']],
};

const awsSqsQueue: TriggerType = {
  params: {
    queueURL: { required: true, env: true, format: 'sqsQueue' },
    queueLength: { format: 'positiveInt' },
    activationQueueLength: { format: 'nonNegativeInt' },
    awsRegion: { required: true, auth: true, format: 'awsRegion' },
    awsEndpoint: { format: 'httpUrl' },
    ...bools('scaleOnInFlight', 'scaleOnDelayed'),
    identityOwner: {
      enum: ['pod', 'operator'],
      deprecated: 'use an authenticationRef to a TriggerAuthentication with podIdentity provider aws',
    },
    awsAccessKeyID: { env: true, auth: true },
    ...authOnly(['awsSecretAccessKey'], true),
    ...authOnly(['awsSessionToken', 'awsRoleArn']),
  },
  rules: [rules.sqsCredentials],
};

const rabbitmq: TriggerType = {
  params: {
    host: { required: true, env: true, auth: true, format: 'rabbitmqHost' },
    queueName: { required: true },
    mode: {
      enum: [
        'QueueLength',
        'MessageRate',
        'DeliverGetRate',
        'PublishedToDeliveredRatio',
        'ExpectedQueueConsumptionTime',
      ],
    },
    value: { format: 'positiveFloat' },
    activationValue: { format: 'float' },
    queueLength: { format: 'positiveInt', deprecated: 'use mode: QueueLength with value' },
    protocol: { enum: ['auto', 'amqp', 'http'], auth: true },
    vhostName: { auth: true },
    ...bools('useRegex', 'excludeUnacknowledged', 'unsafeSsl'),
    pageSize: { format: 'positiveInt' },
    operation: { enum: ['sum', 'avg', 'max'] },
    timeout: { format: 'duration' },
    ...authOnly(['username', 'password'], true),
    ...authOnly(['tls', ...TLS_FILES, 'workloadIdentityResource', 'tokenUrl', 'clientId', 'clientSecret']),
  },
  rules: [
    rules.rabbitmqModeValue,
    rules.rabbitmqHttpOnly,
    rules.rabbitmqCredentials,
    rules.rabbitmqHostCredentials,
  ],
};

const REDIS_CONNECTION: ParamTable = {
  address: { env: true, auth: true, format: 'hostPort' },
  addresses: { env: true, auth: true, format: 'hostPortList' },
  host: { env: true, auth: true, format: 'host' },
  hosts: { env: true, auth: true, format: 'hostList' },
  port: { env: true, auth: true, format: 'port' },
  ports: { env: true, auth: true, format: 'portList' },
  username: { env: true, auth: true },
  password: { env: true, auth: true, sensitive: true },
  databaseIndex: { env: true, auth: true, format: 'nonNegativeInt' },
  ...bools('unsafeSsl', 'enableTLS'),
  ...authOnly(['tls', ...TLS_FILES]),
};
const REDIS_SENTINEL: ParamTable = {
  sentinelUsername: { env: true, auth: true },
  sentinelPassword: { env: true, auth: true, sensitive: true },
  sentinelMaster: { required: true, env: true, auth: true },
};
const REDIS_FORMS = [
  ['address', 'addresses'],
  ['host', 'hosts', 'port', 'ports'],
];
const REDIS_LIST: ParamTable = {
  listName: { required: true },
  listLength: { format: 'positiveInt' },
  activationListLength: { format: 'int' },
};
const REDIS_STREAM: ParamTable = {
  stream: { required: true },
  consumerGroup: {},
  pendingEntriesCount: { format: 'positiveInt' },
  streamLength: { format: 'positiveInt' },
  lagCount: { format: 'positiveInt' },
  activationLagCount: { format: 'int' },
};

type RedisTopology = 'standalone' | 'cluster' | 'sentinel';

function redisType(kind: 'list' | 'stream', topology: RedisTopology): TriggerType {
  return {
    params: {
      ...REDIS_CONNECTION,
      ...(topology === 'sentinel' ? REDIS_SENTINEL : {}),
      ...(kind === 'list' ? REDIS_LIST : REDIS_STREAM),
    },
    rules: [
      rules.redisConnection,
      rules.redisTls,
      ...(topology === 'cluster' ? [rules.redisClusterNoDatabase] : []),
      ...(kind === 'stream' ? [rules.redisStreamsMode] : []),
    ],
    forms: REDIS_FORMS,
  };
}

const postgresql: TriggerType = {
  params: {
    query: { required: true },
    targetQueryValue: { required: true, format: 'positiveFloat' },
    activationTargetQueryValue: { format: 'float' },
    ...authOnly(['connection', 'password'], true),
    host: { auth: true, format: 'host' },
    port: { auth: true, format: 'port' },
    userName: { auth: true },
    dbName: { auth: true },
    sslmode: { auth: true, enum: ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] },
  },
  rules: [rules.postgresConnection],
  forms: [['connection'], ['host', 'port', 'userName', 'dbName', 'sslmode']],
};

const prometheus: TriggerType = {
  params: {
    serverAddress: { required: true, format: 'httpUrl' },
    query: { required: true },
    threshold: { required: true, format: 'positiveFloat' },
    activationThreshold: { format: 'float' },
    namespace: {},
    customHeaders: { format: 'keyValueList' },
    queryParameters: { format: 'keyValueList' },
    ...bools('ignoreNullValues', 'unsafeSsl'),
    awsRegion: { auth: true, format: 'awsRegion' },
    timeout: { format: 'duration' },
    identityOwner: { enum: ['pod', 'operator'] },
    authModes: { format: 'prometheusAuthModes' },
    ...authOnly(['bearerToken', 'username', 'password', ...TLS_FILES, 'customAuthHeader', 'customAuthValue']),
  },
  rules: [rules.prometheusAuthModes],
};

const resource: TriggerType = {
  params: { value: { required: true }, containerName: { format: 'dnsLabel' } },
  rules: [rules.resourceMetricType, rules.resourceValue, rules.resourceContainer],
};

const cron: TriggerType = {
  params: {
    timezone: { required: true, format: 'timezone' },
    start: { required: true, format: 'cron' },
    end: { required: true, format: 'cron' },
    desiredReplicas: { required: true, format: 'positiveInt' },
  },
  rules: [rules.cronWindow],
};

export const TRIGGER_TYPES: Readonly<Record<string, TriggerType>> = {
  kafka,
  'nats-jetstream': natsJetstream,
  'aws-sqs-queue': awsSqsQueue,
  rabbitmq,
  redis: redisType('list', 'standalone'),
  'redis-cluster': redisType('list', 'cluster'),
  'redis-sentinel': redisType('list', 'sentinel'),
  'redis-streams': redisType('stream', 'standalone'),
  'redis-cluster-streams': redisType('stream', 'cluster'),
  'redis-sentinel-streams': redisType('stream', 'sentinel'),
  postgresql,
  prometheus,
  cpu: resource,
  memory: resource,
  cron,
};

/** Trigger types whose metric is a container resource (cpu, memory). */
export const RESOURCE_TRIGGERS: readonly string[] = ['cpu', 'memory'];
export const isResourceTrigger = (type: string) => RESOURCE_TRIGGERS.includes(type);
