import { expect } from 'chai';
import type { TriggerSpec } from '../../src/api/v1alpha1/common.js';
import { isCron, parseQuantity, FORMATS } from '../../src/scaler/formats.js';
import { kedaEngine, scaledObjectFor } from '../../src/scaler/keda.js';
import { formulaIdentifiers } from '../../src/scaler/keda-rules.js';
import { triggerSchema, TRIGGER_TYPES } from '../../src/scaler/triggers.js';
import type { Finding, ScalerInput } from '../../src/scaler/types.js';
import {
  aPattern,
  cpuTrigger,
  cronTrigger,
  kafkaTrigger,
  memoryTrigger,
  natsTrigger,
  postgresTrigger,
  prometheusTrigger,
  rabbitTrigger,
  redisStreamsTrigger,
  redisTrigger,
  secret,
  soSpecOf,
  sqsTrigger,
  withoutKeys,
} from './scaler-fixtures.js';

const errorMessages = (input: ScalerInput) =>
  kedaEngine
    .validate(input)
    .filter((f) => f.severity === 'error')
    .map((f) => f.message);
const warningsOf = (input: ScalerInput): Finding[] =>
  kedaEngine.validate(input).filter((f) => f.severity === 'warning');
const keda = (...triggers: TriggerSpec[]) => aPattern().withKeda(...triggers);
const P = 'spec.autoscaling.triggers[0]';

/** [what is wrong, the pattern, a substring of the expected error message] */
const INVALID: [string, ReturnType<typeof aPattern>, string][] = [
  // kafka
  [
    'a non-numeric lagThreshold',
    keda(cpuTrigger(), kafkaTrigger({ lagThreshold: 'abc' })),
    'spec.autoscaling.triggers[1].metadata.lagThreshold: must be an integer > 0, got "abc"',
  ],
  [
    'a zero lagThreshold',
    keda(kafkaTrigger({ lagThreshold: 0 })),
    `${P}.metadata.lagThreshold: must be an integer > 0, got "0"`,
  ],
  [
    'no bootstrapServers',
    keda(withoutKeys(kafkaTrigger(), 'bootstrapServers')),
    `${P}.metadata.bootstrapServers: is required: set metadata.bootstrapServers or bootstrapServersFromEnv`,
  ],
  [
    'no consumerGroup',
    keda(withoutKeys(kafkaTrigger(), 'consumerGroup')),
    `${P}.metadata.consumerGroup: is required`,
  ],
  [
    'a blank consumerGroup',
    keda(kafkaTrigger({ consumerGroup: '  ' })),
    `${P}.metadata.consumerGroup: is required`,
  ],
  [
    'bootstrapServers with a scheme',
    keda(kafkaTrigger({ bootstrapServers: 'http://kafka:9092' })),
    'bootstrapServers: must be a comma-separated list of host:port, got "http://kafka:9092"',
  ],
  [
    'an unknown offsetResetPolicy',
    keda(kafkaTrigger({ offsetResetPolicy: 'newest' })),
    'offsetResetPolicy: must be latest or earliest, got "newest"',
  ],
  [
    'a non-boolean flag',
    keda(kafkaTrigger({ allowIdleConsumers: 'yes' })),
    'allowIdleConsumers: must be true or false, got "yes"',
  ],
  [
    'limitToPartitionsWithLag without topic',
    keda(withoutKeys(kafkaTrigger({ limitToPartitionsWithLag: true }), 'topic')),
    'limitToPartitionsWithLag: "true" needs topic',
  ],
  [
    'allowIdleConsumers with limitToPartitionsWithLag',
    keda(kafkaTrigger({ allowIdleConsumers: true, limitToPartitionsWithLag: true })),
    'limitToPartitionsWithLag: cannot be combined with allowIdleConsumers',
  ],
  [
    'ensureEvenDistributionOfPartitions with limitToPartitionsWithLag',
    keda(kafkaTrigger({ ensureEvenDistributionOfPartitions: true, limitToPartitionsWithLag: true })),
    'cannot be combined with limitToPartitionsWithLag',
  ],
  [
    'sasl plaintext without credentials',
    keda(kafkaTrigger({ sasl: 'plaintext' })),
    'metadata.sasl: plaintext needs username and password from a Secret',
  ],
  [
    'sasl gssapi with both password and keytab',
    keda(
      kafkaTrigger(
        { sasl: 'gssapi' },
        {
          secretTargetRef: ['username', 'password', 'keytab', 'realm', 'kerberosConfig'].map((p) =>
            secret(p),
          ),
        },
      ),
    ),
    'exactly one of password or keytab',
  ],
  [
    'a password in plain metadata',
    keda(kafkaTrigger({ password: 'hunter2' })),
    `${P}.metadata.password: is read only from a TriggerAuthentication: put it in a Secret and add a secretTargetRef with parameter password`,
  ],
  [
    'an unknown sasl mechanism',
    keda(kafkaTrigger({ sasl: 'kerberos' })),
    'sasl: must be none, plaintext, scram_sha256, scram_sha512, oauthbearer or gssapi, got "kerberos"',
  ],
  [
    'aws_msk_iam without tls',
    keda(kafkaTrigger({ sasl: 'oauthbearer', saslTokenProvider: 'aws_msk_iam', awsRegion: 'eu-west-1' })),
    'aws_msk_iam needs tls: enable',
  ],
  [
    'a malformed partitionLimitation',
    keda(kafkaTrigger({ partitionLimitation: '1,a' })),
    'partitionLimitation: must be a comma-separated list of partitions',
  ],
  // nats-jetstream
  [
    'a monitoring endpoint with a scheme',
    keda(natsTrigger({ natsServerMonitoringEndpoint: 'http://nats:8222' })),
    'natsServerMonitoringEndpoint: must be host:port, without a scheme such as http://',
  ],
  [
    'neither account nor accountID',
    keda(withoutKeys(natsTrigger(), 'account')),
    `${P}.metadata.account: set account`,
  ],
  [
    'no stream',
    keda(withoutKeys(natsTrigger(), 'stream')),
    `${P}.metadata.stream: is required: set metadata.stream`,
  ],
  ['a non-boolean useHttps', keda(natsTrigger({ useHttps: 'maybe' })), 'useHttps: must be true or false'],
  [
    'a non-numeric nats lagThreshold',
    keda(natsTrigger({ lagThreshold: 'ten' })),
    'lagThreshold: must be an integer > 0, got "ten"',
  ],
  // aws-sqs-queue
  [
    'a queue URL without account',
    keda(sqsTrigger({ queueURL: 'https://sqs.eu-west-1.amazonaws.com/orders' })),
    'queueURL: must be a queue URL',
  ],
  [
    'no awsRegion (and no authenticationRef that could hold it)',
    keda(
      withoutKeys(
        sqsTrigger({}, { authenticationRef: undefined, secretTargetRef: [secret('awsRoleArn')] }),
        'awsRegion',
      ),
    ),
    `${P}.metadata.awsRegion: is required`,
  ],
  [
    'a malformed awsRegion',
    keda(sqsTrigger({ awsRegion: 'Europe' })),
    'awsRegion: must be an AWS region such as eu-west-1, got "Europe"',
  ],
  [
    'no AWS credentials at all',
    keda(sqsTrigger({}, { authenticationRef: undefined })),
    `${P}: has no AWS credentials`,
  ],
  [
    'a negative queueLength',
    keda(sqsTrigger({ queueLength: -1 })),
    'queueLength: must be an integer > 0, got "-1"',
  ],
  // rabbitmq
  [
    'mode without value',
    keda(withoutKeys(rabbitTrigger(), 'value')),
    `${P}.metadata.value: is required with mode`,
  ],
  [
    'value without mode',
    keda(withoutKeys(rabbitTrigger(), 'mode')),
    `${P}.metadata.mode: is required with value`,
  ],
  [
    'queueLength with mode and value',
    keda(rabbitTrigger({ queueLength: 10 })),
    'queueLength: cannot be combined with mode and value',
  ],
  [
    'a rate mode over amqp',
    keda(rabbitTrigger({ host: 'amqp://rabbitmq.mq:5672/', mode: 'MessageRate' })),
    'mode: MessageRate needs the http management API',
  ],
  [
    'a host without scheme',
    keda(rabbitTrigger({ host: 'rabbitmq:5672' })),
    'host: must be an amqp://, amqps://, http:// or https:// URL',
  ],
  [
    'an unknown mode',
    keda(rabbitTrigger({ mode: 'Rate' })),
    'mode: must be QueueLength, MessageRate, DeliverGetRate, PublishedToDeliveredRatio or ExpectedQueueConsumptionTime',
  ],
  [
    'timeout over amqp',
    keda(rabbitTrigger({ host: 'amqps://rabbitmq.mq:5671/', timeout: '5s' })),
    'timeout: is not supported with amqp',
  ],
  [
    'a username without password',
    keda(rabbitTrigger({ usernameFromEnv: 'RABBIT_USER' })),
    'username and password go together',
  ],
  // redis
  [
    'no redis address',
    keda(withoutKeys(redisTrigger(), 'address')),
    `${P}.metadata.address: no address given: set address (host:port), or host and port`,
  ],
  [
    'a redis host without port',
    keda(withoutKeys(redisTrigger({ host: 'redis.cache' }), 'address')),
    `${P}.metadata.port: is required with host`,
  ],
  ['a redis address without port', keda(redisTrigger({ address: 'redis' })), 'address: must be host:port'],
  [
    'more hosts than ports',
    keda(withoutKeys(redisTrigger({ hosts: 'a,b,c', ports: '6379,6380' }), 'address')),
    'ports: lists 2 ports for 3 hosts',
  ],
  [
    'enableTLS and a tls secret',
    keda(redisTrigger({ enableTLS: true }, { secretTargetRef: [secret('tls')] })),
    'enableTLS: cannot be combined with a tls parameter in secretTargetRef',
  ],
  [
    'databaseIndex on redis-cluster',
    keda({
      type: 'redis-cluster',
      metadata: { addresses: 'a:6379,b:6379', listName: 'q', databaseIndex: 1 },
    }),
    'databaseIndex: is not supported by Redis Cluster',
  ],
  [
    'a fractional listLength',
    keda(redisTrigger({ listLength: 1.5 })),
    'listLength: must be an integer > 0, got "1.5"',
  ],
  ['no listName', keda(withoutKeys(redisTrigger(), 'listName')), `${P}.metadata.listName: is required`],
  [
    'no redis sentinel master',
    keda({ type: 'redis-sentinel', metadata: { addresses: 'a:26379', listName: 'q' } }),
    'sentinelMaster: is required',
  ],
  ['no stream', keda(withoutKeys(redisStreamsTrigger(), 'stream')), `${P}.metadata.stream: is required`],
  // postgresql
  [
    'no targetQueryValue',
    keda(withoutKeys(postgresTrigger(), 'targetQueryValue')),
    'targetQueryValue: is required',
  ],
  [
    'a connection string in plain metadata',
    keda(postgresTrigger({ connection: 'postgres://u:p@pg/db' })),
    'connection: is read only from a TriggerAuthentication: put it in a Secret and add a secretTargetRef with parameter connection or use connectionFromEnv',
  ],
  [
    'neither connection nor dbName',
    keda(withoutKeys(postgresTrigger(), 'dbName')),
    'metadata.dbName: is missing (dbName): give a connection string',
  ],
  [
    'an unknown sslmode',
    keda(postgresTrigger({ sslmode: 'on' })),
    'sslmode: must be disable, allow, prefer, require, verify-ca or verify-full, got "on"',
  ],
  [
    'an out-of-range port',
    keda(postgresTrigger({ port: 99999 })),
    'port: must be a port number between 1 and 65535, got "99999"',
  ],
  // prometheus
  [
    'a server address without scheme',
    keda(prometheusTrigger({ serverAddress: 'prometheus:9090' })),
    'serverAddress: must be an http:// or https:// URL',
  ],
  ['no threshold', keda(withoutKeys(prometheusTrigger(), 'threshold')), 'threshold: is required'],
  [
    'a zero threshold',
    keda(prometheusTrigger({ threshold: '0' })),
    'threshold: must be a number > 0, got "0"',
  ],
  [
    'malformed customHeaders',
    keda(prometheusTrigger({ customHeaders: 'X-Org:1' })),
    'customHeaders: must be a comma-separated list of key=value',
  ],
  [
    'bearer auth without a token',
    keda(prometheusTrigger({ authModes: 'bearer' })),
    'metadata.authModes: bearer needs bearerToken from a Secret',
  ],
  [
    'a malformed timeout',
    keda(prometheusTrigger({ timeout: '30 seconds' })),
    'timeout: must be a duration such as 30s',
  ],
  // cpu / memory
  [
    'cpu without metricType',
    keda(cpuTrigger(70, { metricType: undefined })),
    `${P}.metricType: must be Utilization or AverageValue for a cpu trigger, got null`,
  ],
  [
    'cpu Value metricType',
    keda(cpuTrigger(70, { metricType: 'Value' })),
    'must be Utilization or AverageValue for a cpu trigger, got "Value"',
  ],
  [
    'a percent sign in a utilization',
    keda(cpuTrigger('70%')),
    'value: must be an integer percentage > 0 with metricType Utilization, got "70%"',
  ],
  [
    'a memory AverageValue that is no quantity',
    keda(memoryTrigger('lots', { metricType: 'AverageValue' })),
    'value: must be a quantity > 0 such as 500m or 512Mi',
  ],
  ['cpu without value', keda({ type: 'cpu', metricType: 'Utilization' }), `${P}.metadata.value: is required`],
  [
    'a containerName the Deployment lacks',
    keda({ type: 'cpu', metricType: 'Utilization', metadata: { value: 70, containerName: 'sidecar' } }),
    'containerName: names no container of the Deployment (containers: runner)',
  ],
  [
    'cpu only with minReplicas 0',
    keda(cpuTrigger()).with({ minReplicas: 0 }),
    'spec.autoscaling.minReplicas: must be at least 1 when all triggers are cpu or memory',
  ],
  [
    'a deprecated type that is no metric type',
    keda({ type: 'cpu', metadata: { type: 'Percent', value: '70' } }),
    `${P}.metadata.type: must be Utilization or AverageValue, and belongs in ${P}.metricType`,
  ],
  [
    'useCachedMetrics on cpu',
    keda(cpuTrigger(70, { useCachedMetrics: true })),
    `${P}.useCachedMetrics: is not supported by cpu triggers`,
  ],
  // cron
  [
    'a 4-field cron start',
    keda(cronTrigger({ start: '0 8 * *' })),
    'start: must be a 5-field cron expression',
  ],
  ['minute 60', keda(cronTrigger({ end: '60 20 * * *' })), 'end: must be a 5-field cron expression'],
  ['the same start and end', keda(cronTrigger({ end: '0 8 * * 1-5' })), 'end: must differ from start'],
  [
    'a lowercase time zone',
    keda(cronTrigger({ timezone: 'paris' })),
    'timezone: must be an IANA time zone such as Europe/Paris or UTC, got "paris"',
  ],
  [
    'zero desiredReplicas',
    keda(cronTrigger({ desiredReplicas: 0 })),
    'desiredReplicas: must be an integer > 0',
  ],
  [
    'useCachedMetrics on cron',
    keda(kafkaTrigger(), cronTrigger({}, { useCachedMetrics: true })),
    'triggers[1].useCachedMetrics: is not supported by cron triggers',
  ],
  // any trigger
  [
    'an object as a metadata value',
    keda(kafkaTrigger({ topic: { name: 'orders' } as unknown as string })),
    `${P}.metadata.topic: must be a string, number or boolean (KEDA takes only strings), got {"name":"orders"}`,
  ],
  [
    'a list as a metadata value',
    keda(kafkaTrigger({ topic: ['a', 'b'] as unknown as string })),
    'got a list',
  ],
  [
    'Utilization on a kafka trigger',
    keda(kafkaTrigger({}, { metricType: 'Utilization' })),
    `${P}.metricType: Utilization is only for cpu and memory triggers`,
  ],
  [
    'two triggers with one name',
    keda(kafkaTrigger({}, { name: 'lag' }), natsTrigger({}, { name: 'lag' })),
    'triggers[1].name: "lag" is already used by triggers[0]',
  ],
  [
    'both authenticationRef and secretTargetRef',
    keda(kafkaTrigger({}, { authenticationRef: { name: 'a' }, secretTargetRef: [secret('password')] })),
    'use either authenticationRef or secretTargetRef, not both',
  ],
  // the ScaledObject as a whole
  ['no triggers', keda(), 'spec.autoscaling.triggers: scaler: keda needs at least one trigger'],
  [
    'no maxReplicas',
    keda(kafkaTrigger()).without('maxReplicas'),
    'spec.autoscaling.maxReplicas: is required',
  ],
  [
    'minReplicas above maxReplicas',
    keda(kafkaTrigger()).scaling(5, 3),
    'spec.autoscaling.maxReplicas: must be at least 1 and at least minReplicas (5), got 3',
  ],
  [
    'idleReplicaCount not below minReplicas',
    keda(kafkaTrigger()).with({ minReplicas: 0, idleReplicaCount: 0 }),
    'spec.autoscaling.idleReplicaCount: must be less than minReplicas (0)',
  ],
  [
    'fallback with only cpu triggers',
    keda(cpuTrigger()).with({ fallback: { failureThreshold: 3, replicas: 5 } }),
    'spec.autoscaling.fallback: needs at least one trigger that is not cpu or memory',
  ],
  [
    'fallback behavior scalingModifiers without formula',
    keda(kafkaTrigger()).with({
      fallback: { failureThreshold: 3, replicas: 5, behavior: 'scalingModifiers' },
    }),
    'fallback.behavior: scalingModifiers needs advanced.scalingModifiers.formula',
  ],
  [
    'a formula over unnamed triggers',
    keda(kafkaTrigger()).with({ advanced: { scalingModifiers: { formula: 'lag * 2', target: '10' } } }),
    'advanced.scalingModifiers.formula: refers to triggers by name, but no trigger has a name',
  ],
  [
    'a formula without target',
    keda(kafkaTrigger({}, { name: 'lag' })).with({ advanced: { scalingModifiers: { formula: 'lag * 2' } } }),
    'advanced.scalingModifiers.target: must be a number > 0 when formula is set, got null',
  ],
  [
    'a formula with target 0',
    keda(kafkaTrigger({}, { name: 'lag' })).with({
      advanced: { scalingModifiers: { formula: 'lag', target: '0' } },
    }),
    'scalingModifiers.target: must be a number > 0 when formula is set, got "0"',
  ],
  [
    'a formula over a cpu trigger',
    keda(kafkaTrigger({}, { name: 'lag' }), cpuTrigger(70, { name: 'load' })).with({
      advanced: { scalingModifiers: { formula: 'lag + load', target: '5' } },
    }),
    'formula: cannot use cpu trigger "load"',
  ],
  [
    "a name too long for KEDA's HPA",
    aPattern('o'.repeat(55)).withKeda(kafkaTrigger()),
    "metadata.name: 55 characters is too long for KEDA's HPA name keda-hpa-<name> (at most 54)",
  ],
  [
    'a custom HPA name equal to the pattern name',
    keda(kafkaTrigger()).with({ advanced: { horizontalPodAutoscalerConfig: { name: 'orders' } } }),
    'horizontalPodAutoscalerConfig.name: must differ from the pattern name',
  ],
  [
    'an invalid advanced behavior',
    keda(kafkaTrigger()).with({
      advanced: {
        horizontalPodAutoscalerConfig: {
          behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } },
        },
      },
    }),
    'advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.policies[0].value: must be an integer > 0',
  ],
];

describe('trigger validation: invalid specs', () => {
  it(`covers at least 40 invalid specs (has ${INVALID.length})`, () => {
    expect(INVALID.length).to.be.at.least(40);
  });

  for (const [what, pattern, expected] of INVALID) {
    it(`refuses ${what}`, () => {
      expect(errorMessages(pattern.input()).join('\n')).to.include(expected);
    });
  }
});

describe('trigger validation: valid triggers of every checked type', () => {
  const VALID: [string, TriggerSpec][] = [
    [
      'kafka',
      kafkaTrigger({
        offsetResetPolicy: 'earliest',
        activationLagThreshold: 5,
        limitToPartitionsWithLag: true,
      }),
    ],
    [
      'kafka with SCRAM from a Secret',
      kafkaTrigger(
        { sasl: 'scram_sha512', tls: 'enable' },
        { secretTargetRef: [secret('username'), secret('password')] },
      ),
    ],
    ['nats-jetstream', natsTrigger({ useHttps: true })],
    [
      'aws-sqs-queue with a role from a Secret',
      sqsTrigger({}, { authenticationRef: undefined, secretTargetRef: [secret('awsRoleArn')] }),
    ],
    ['aws-sqs-queue with a bare queue name', sqsTrigger({ queueURL: 'orders.fifo' })],
    [
      'rabbitmq over http',
      rabbitTrigger({ mode: 'MessageRate', value: 12.5, useRegex: true, timeout: '5s' }),
    ],
    [
      'rabbitmq with the host in a Secret',
      withoutKeys(rabbitTrigger({}, { secretTargetRef: [secret('host')] }), 'host'),
    ],
    ['redis', redisTrigger({ databaseIndex: 2, enableTLS: false })],
    ['redis with host and port', withoutKeys(redisTrigger({ host: '10.0.0.7', port: 6379 }), 'address')],
    ['redis-cluster', { type: 'redis-cluster', metadata: { addresses: 'a:6379, b:6379', listName: 'q' } }],
    ['redis-streams', redisStreamsTrigger()],
    ['postgresql', postgresTrigger({ activationTargetQueryValue: 1.5 })],
    [
      'postgresql with a connection from env',
      withoutKeys(
        postgresTrigger({ connectionFromEnv: 'PG_URL' }),
        'host',
        'port',
        'userName',
        'dbName',
        'sslmode',
      ),
    ],
    [
      'prometheus',
      prometheusTrigger({
        customHeaders: 'X-Scope-OrgID=tenant-1',
        ignoreNullValues: false,
        timeout: '1500',
      }),
    ],
    ['cpu', cpuTrigger(70)],
    ['memory AverageValue', memoryTrigger('512Mi', { metricType: 'AverageValue' })],
    [
      'cron',
      cronTrigger({ start: '*/15 8-18 ? JAN-DEC MON-FRI', timezone: 'America/Argentina/Buenos_Aires' }),
    ],
  ];

  for (const [what, trigger] of VALID) {
    it(`accepts ${what}`, () => {
      const pattern = keda(trigger).with({ minReplicas: 1 });
      expect(errorMessages(pattern.input())).to.deep.equal([]);
    });
  }
});

describe('trigger validation: where required values may come from', () => {
  it('accepts <key>FromEnv for keys KEDA reads from the container environment', () => {
    const t = withoutKeys(kafkaTrigger({ bootstrapServersFromEnv: 'KAFKA_BROKERS' }), 'bootstrapServers');
    expect(errorMessages(keda(t).input())).to.deep.equal([]);
  });

  it('accepts a secretTargetRef parameter for keys KEDA reads from a TriggerAuthentication', () => {
    const t = withoutKeys(
      natsTrigger({}, { secretTargetRef: [secret('natsServerMonitoringEndpoint')] }),
      'natsServerMonitoringEndpoint',
    );
    expect(errorMessages(keda(t).input())).to.deep.equal([]);
  });

  it('trusts an authenticationRef for keys a TriggerAuthentication may hold', () => {
    const t = withoutKeys(
      postgresTrigger({}, { authenticationRef: { name: 'pg' } }),
      'host',
      'port',
      'userName',
      'dbName',
      'sslmode',
    );
    expect(errorMessages(keda(t).input())).to.deep.equal([]);
  });

  it('does not accept a secretTargetRef for a key KEDA reads only from metadata', () => {
    const t = withoutKeys(
      kafkaTrigger({}, { secretTargetRef: [secret('bootstrapServers')] }),
      'bootstrapServers',
    );
    expect(errorMessages(keda(t).input())).to.deep.equal([
      `${P}.metadata.bootstrapServers: is required: set metadata.bootstrapServers or bootstrapServersFromEnv (an env var of the container)`,
    ]);
  });

  it('says every way a required key can be given', () => {
    const t = withoutKeys(rabbitTrigger(), 'host');
    const messages = errorMessages(keda({ ...t, secretTargetRef: [secret('password')] }).input());
    expect(messages).to.include(
      `${P}.metadata.host: is required: set metadata.host, hostFromEnv (an env var of the container) or a secretTargetRef with parameter host`,
    );
  });
});

describe('trigger validation: warnings', () => {
  it('passes an unknown trigger type through with a warning, its metadata still stringified', () => {
    const t = { type: 'external-push', metadata: { scalerAddress: 'scaler.ops:6000', threshold: 10 } };
    const input = keda(t).input();
    const [w, ...rest] = warningsOf(input);
    expect(rest).to.deep.equal([]);
    expect(w?.reason).to.equal('UnknownTriggerType');
    expect(w?.message).to.include(
      `${P}.type: "external-push" is not a trigger type prism-operator checks; it is passed to KEDA unchecked`,
    );
    expect(errorMessages(input)).to.deep.equal([]);
    expect(soSpecOf(scaledObjectFor(input)).triggers[0]?.metadata).to.deep.equal({
      scalerAddress: 'scaler.ops:6000',
      threshold: '10',
    });
  });

  it('flags parameters KEDA would silently ignore (a typo)', () => {
    const [w] = warningsOf(keda(kafkaTrigger({ lagThresold: 10 })).input());
    expect(w?.reason).to.equal('UnknownTriggerParameter');
    expect(w?.path).to.equal(`${P}.metadata.lagThresold`);
  });

  it('flags <key>FromEnv where KEDA does not read the environment', () => {
    const [w] = warningsOf(keda(natsTrigger({ streamFromEnv: 'STREAM' })).input());
    expect(w?.path).to.equal(`${P}.metadata.streamFromEnv`);
  });

  it('warns about a credential in plain metadata', () => {
    const warnings = warningsOf(
      keda(
        redisTrigger({ password: 'hunter2' }),
        rabbitTrigger({ host: 'http://guest:guest@rabbitmq:15672/' }),
      ).input(),
    );
    expect(warnings.map((f) => [f.reason, f.path])).to.deep.equal([
      ['SecretInMetadata', `${P}.metadata.password`],
      ['SecretInMetadata', 'spec.autoscaling.triggers[1].metadata.host'],
    ]);
  });

  it('warns about deprecated parameters', () => {
    const [w] = warningsOf(keda(withoutKeys(rabbitTrigger({ queueLength: 20 }), 'mode', 'value')).input());
    expect(w?.reason).to.equal('DeprecatedTriggerForm');
    expect(w?.message).to.include('queueLength: is deprecated; use mode: QueueLength with value');
  });

  it('warns that partitionLimitation is ignored without a topic', () => {
    const [w] = warningsOf(keda(withoutKeys(kafkaTrigger({ partitionLimitation: '1,2' }), 'topic')).input());
    expect(w?.message).to.include('partitionLimitation: is ignored without topic');
  });

  it('warns when a cpu trigger meets a container without a cpu request', () => {
    const w = warningsOf(keda(kafkaTrigger(), cpuTrigger()).withoutRequests().input());
    expect(w.map((f) => f.message)).to.deep.equal([
      'spec.autoscaling.triggers[1]: a cpu trigger needs a cpu request on container "runner", which has none; set spec.resources.requests.cpu (or a LimitRange default), otherwise KEDA\'s admission webhook rejects the ScaledObject',
    ]);
  });

  it("relays KEDA's warnings about settings that change nothing while minReplicas > 0", () => {
    const w = warningsOf(keda(kafkaTrigger()).with({ pollingInterval: 5, cooldownPeriod: 60 }).input());
    expect(w.map((f) => f.path)).to.deep.equal([
      'spec.autoscaling.pollingInterval',
      'spec.autoscaling.cooldownPeriod',
    ]);
    expect(
      warningsOf(
        keda(kafkaTrigger()).with({ minReplicas: 0, pollingInterval: 5, cooldownPeriod: 60 }).input(),
      ),
    ).to.deep.equal([]);
  });

  it('warns that HPA-only fields are ignored by the keda engine', () => {
    const [w] = warningsOf(keda(kafkaTrigger()).with({ targetCPUUtilizationPercentage: 70 }).input());
    expect(w?.message).to.equal(
      'spec.autoscaling.targetCPUUtilizationPercentage: is ignored by the keda engine; use a cpu, memory or prometheus trigger instead',
    );
  });

  it('warns about formula names that match no trigger', () => {
    const input = keda(kafkaTrigger({}, { name: 'lag' }))
      .with({ advanced: { scalingModifiers: { formula: 'max(lag, backlog)', target: '5' } } })
      .input();
    expect(warningsOf(input).map((f) => f.message)).to.deep.equal([
      'spec.autoscaling.advanced.scalingModifiers.formula: "backlog" names no trigger (named triggers: lag); KEDA rejects unknown names',
    ]);
  });
});

describe('trigger schemas and formats', () => {
  it('has an ajv schema for every checked trigger type, with formats and required keys', () => {
    for (const type of [
      'kafka',
      'nats-jetstream',
      'aws-sqs-queue',
      'rabbitmq',
      'redis',
      'redis-streams',
      'postgresql',
      'prometheus',
      'cpu',
      'memory',
      'cron',
    ]) {
      expect(TRIGGER_TYPES, type).to.have.property(type);
    }
    const { schema, required } = triggerSchema(TRIGGER_TYPES.kafka!.params);
    expect(required).to.deep.equal(['bootstrapServers', 'consumerGroup']);
    expect(schema).to.have.nested.property(
      'properties.metadata.properties.lagThreshold.format',
      'positiveInt',
    );
  });

  it('reads 5-field cron expressions as KEDA does', () => {
    for (const ok of ['0 8 * * 1-5', '*/5 * * * *', '0 0 1 JAN ?', '30 6 1,15 * SUN-SAT', '0-59/10 0 ? * *'])
      expect(isCron(ok), ok).to.equal(true);
    for (const bad of [
      '0 8 * *',
      '0 24 * * *',
      '* * 0 * *',
      '0 0 * 13 *',
      '@daily',
      '0 0 * * 7',
      '5-1 * * * *',
      '*/0 * * * *',
    ])
      expect(isCron(bad), bad).to.equal(false);
  });

  it('reads durations, host:port and quantities', () => {
    expect(FORMATS.duration.test('1m30s')).to.equal(true);
    expect(FORMATS.duration.test('2500')).to.equal(true);
    expect(FORMATS.duration.test('30 s')).to.equal(false);
    expect(FORMATS.hostPort.test('[fd00::1]:9092')).to.equal(true);
    expect(FORMATS.hostPort.test('kafka:0')).to.equal(false);
    expect(parseQuantity('500m')).to.equal(0.5);
    expect(parseQuantity('1Gi')).to.equal(2 ** 30);
    expect(parseQuantity('1e3')).to.equal(1000);
    expect(parseQuantity('ten')).to.equal(undefined);
  });

  it('finds the trigger names a formula reads, ignoring builtins, members and strings', () => {
    expect(formulaIdentifiers('max(lag, backlog.size) * 2 + (mode == "fast" ? 1 : 0)')).to.deep.equal([
      'lag',
      'backlog',
      'mode',
    ]);
  });
});
