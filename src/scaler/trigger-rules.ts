// Cross-field rules of KEDA scalers (their Validate() functions), which a
// per-key schema cannot express. Each rule is small and returns findings.
import { andList, quote, Reason } from './findings.js';
import { isPositiveInt, parseQuantity } from './formats.js';
import type { TriggerContext, TriggerRule } from './trigger-context.js';
import type { Finding } from './types.js';

const when = (cond: boolean, finding: () => Finding): Finding[] => (cond ? [finding()] : []);

/** Auth parameters a mode needs, checked only when the TriggerAuthentication is generated here. */
function needAuth(t: TriggerContext, field: string, what: string, params: readonly string[]): Finding[] {
  if (!t.authKnown) return [];
  const missing = params.filter((p) => !t.inAuth(p));
  return when(missing.length > 0, () =>
    t.error(
      field,
      `${what} needs ${andList(missing)} from a Secret; add secretTargetRef entries with parameter ${missing.join(', ')}`,
    ),
  );
}

// ---- kafka ----

export const kafkaPartitionOptions: TriggerRule = (t) => {
  const topic = t.provided('topic');
  const needsTopic = (key: string, value = 'true') =>
    when(!topic, () => t.error(key, `${key}: "${value}" needs topic; set topic to the topic to watch`));
  return [
    ...when(t.isTrue('allowIdleConsumers') && t.isTrue('limitToPartitionsWithLag'), () =>
      t.error('limitToPartitionsWithLag', 'cannot be combined with allowIdleConsumers; set only one of them'),
    ),
    ...when(t.isTrue('limitToPartitionsWithLag') && t.isTrue('ensureEvenDistributionOfPartitions'), () =>
      t.error(
        'ensureEvenDistributionOfPartitions',
        'cannot be combined with limitToPartitionsWithLag; set only one',
      ),
    ),
    ...(t.isTrue('limitToPartitionsWithLag') ? needsTopic('limitToPartitionsWithLag') : []),
    ...(t.isTrue('ensureEvenDistributionOfPartitions')
      ? needsTopic('ensureEvenDistributionOfPartitions')
      : []),
    ...(t.meta('fullMetadata') !== undefined && !t.isTrue('fullMetadata')
      ? needsTopic('fullMetadata', 'false')
      : []),
    ...when(t.inMeta('partitionLimitation') && !topic, () =>
      t.warning(
        'partitionLimitation',
        Reason.IgnoredField,
        'is ignored without topic; set topic or remove it',
      ),
    ),
  ];
};

const KAFKA_SASL_NEEDS: Record<string, readonly string[]> = {
  plaintext: ['username', 'password'],
  scram_sha256: ['username', 'password'],
  scram_sha512: ['username', 'password'],
  oauthbearer: ['username', 'password', 'oauthTokenEndpointUri'],
  gssapi: ['username', 'realm', 'kerberosConfig'],
};

export const kafkaSasl: TriggerRule = (t) => {
  const sasl = t.meta('sasl');
  const msk = t.meta('saslTokenProvider') === 'aws_msk_iam';
  const findings: Finding[] = [];
  if (msk) {
    findings.push(
      ...when(t.meta('tls') !== 'enable' && !t.inAuth('tls'), () =>
        t.error('saslTokenProvider', 'aws_msk_iam needs tls: enable'),
      ),
      ...when(!t.inMeta('awsRegion'), () =>
        t.error('awsRegion', 'is required with saslTokenProvider: aws_msk_iam'),
      ),
    );
  }
  if (!sasl || !(sasl in KAFKA_SASL_NEEDS) || (msk && sasl === 'oauthbearer')) return findings;
  findings.push(...needAuth(t, 'sasl', sasl, KAFKA_SASL_NEEDS[sasl]!));
  if (sasl === 'gssapi' && t.authKnown && t.inAuth('password') === t.inAuth('keytab')) {
    findings.push(t.error('sasl', 'gssapi needs exactly one of password or keytab in secretTargetRef'));
  }
  return findings;
};

export const kafkaTlsPair: TriggerRule = (t) =>
  when(t.authKnown && t.inAuth('cert') !== t.inAuth('key'), () =>
    t.error('tls', 'cert and key go together: give both through secretTargetRef, or neither'),
  );

// ---- nats-jetstream ----

export const natsAccount: TriggerRule = (t) =>
  when(!t.provided('account') && !t.provided('accountID'), () =>
    t.error(
      'account',
      'set account (the NATS account name; "$G" when accounts are not configured) or accountID',
    ),
  );

// ---- aws-sqs-queue ----

export const sqsCredentials: TriggerRule = (t) => {
  if (!t.authKnown) return [];
  const fromAuth = t.inAuth('awsRoleArn') || (t.inAuth('awsAccessKeyID') && t.inAuth('awsSecretAccessKey'));
  const keyId = t.inMeta('awsAccessKeyID') || t.inMeta('awsAccessKeyIDFromEnv');
  const fromEnv = keyId && t.inMeta('awsSecretAccessKeyFromEnv');
  return when(!fromAuth && !fromEnv, () =>
    t.error(
      '',
      'has no AWS credentials: use an authenticationRef to a TriggerAuthentication with podIdentity, ' +
        'or secretTargetRef parameters awsRoleArn, or awsAccessKeyID and awsSecretAccessKey',
    ),
  );
};

// ---- rabbitmq ----

export const rabbitmqModeValue: TriggerRule = (t) => {
  const mode = t.inMeta('mode');
  const value = t.inMeta('value');
  return [
    ...when(t.inMeta('queueLength') && (mode || value), () =>
      t.error(
        'queueLength',
        'cannot be combined with mode and value; use mode: QueueLength and value instead',
      ),
    ),
    ...when(mode && !value, () =>
      t.error('value', 'is required with mode; set the target value per replica'),
    ),
    ...when(value && !mode, () =>
      t.error('mode', 'is required with value; set QueueLength, MessageRate or another mode'),
    ),
  ];
};

/** amqp when the protocol says so, or when it is auto and the host (in metadata) is amqp(s)://. */
function rabbitmqIsAmqp(t: TriggerContext): boolean {
  const protocol = t.meta('protocol') ?? 'auto';
  if (protocol !== 'auto') return protocol === 'amqp';
  return /^amqps?:\/\//.test(t.meta('host') ?? '');
}

export const rabbitmqHttpOnly: TriggerRule = (t) => {
  if (!rabbitmqIsAmqp(t)) return [];
  const mode = t.meta('mode');
  const httpOnly = ['useRegex', 'excludeUnacknowledged'].filter((k) => t.isTrue(k));
  return [
    ...when(mode !== undefined && mode !== 'QueueLength', () =>
      t.error(
        'mode',
        `${String(mode)} needs the http management API; use an http(s):// host or protocol: http`,
      ),
    ),
    ...httpOnly.map((k) =>
      t.error(k, 'needs the http management API; use an http(s):// host or protocol: http'),
    ),
    ...when(t.inMeta('timeout'), () =>
      t.error('timeout', 'is not supported with amqp; remove it or use http'),
    ),
  ];
};

export const rabbitmqCredentials: TriggerRule = (t) => {
  if (!t.authKnown) return [];
  const user = t.inMeta('usernameFromEnv') || t.inAuth('username');
  const pass = t.inMeta('passwordFromEnv') || t.inAuth('password');
  return when(user !== pass, () =>
    t.error(user ? 'password' : 'username', 'username and password go together; give both or neither'),
  );
};

// ---- redis family ----

export const redisConnection: TriggerRule = (t) => {
  const address = t.provided('address') || t.provided('addresses');
  const host = t.provided('host') || t.provided('hosts');
  if (!address && !host) {
    return [t.error('address', 'no address given: set address (host:port), or host and port')];
  }
  if (address) return [];
  const findings = when(!t.provided('port') && !t.provided('ports'), () =>
    t.error('port', 'is required with host; set port, or use address: host:port'),
  );
  const hosts = t.meta('hosts')?.split(',').length;
  const ports = t.meta('ports')?.split(',').length;
  if (hosts !== undefined && ports !== undefined && hosts !== ports) {
    findings.push(t.error('ports', `lists ${ports} ports for ${hosts} hosts; give one port per host`));
  }
  return findings;
};

export const redisTls: TriggerRule = (t) =>
  when(t.isTrue('enableTLS') && t.inAuth('tls'), () =>
    t.error(
      'enableTLS',
      'cannot be combined with a tls parameter in secretTargetRef; set TLS in one place only',
    ),
  );

export const redisClusterNoDatabase: TriggerRule = (t) =>
  when(t.inMeta('databaseIndex'), () =>
    t.error('databaseIndex', 'is not supported by Redis Cluster; remove it'),
  );

export const redisStreamsMode: TriggerRule = (t) => {
  const group = t.provided('consumerGroup');
  const ignored = (key: string, why: string) =>
    when(t.inMeta(key), () => t.warning(key, Reason.IgnoredField, `is ignored ${why}`));
  return group
    ? ignored('streamLength', 'with consumerGroup (set lagCount or pendingEntriesCount)')
    : [
        ...ignored('lagCount', 'without consumerGroup; set consumerGroup to scale on consumer-group lag'),
        ...ignored(
          'pendingEntriesCount',
          'without consumerGroup; set consumerGroup to scale on pending entries',
        ),
      ];
};

// ---- postgresql ----

const POSTGRES_FIELDS = ['host', 'port', 'userName', 'dbName', 'sslmode'];

export const postgresConnection: TriggerRule = (t) => {
  if (t.inMeta('connectionFromEnv') || t.inAuth('connection') || !t.authKnown) return [];
  const missing = POSTGRES_FIELDS.filter((k) => !t.provided(k));
  return when(missing.length > 0, () =>
    t.error(
      missing[0]!,
      `is missing (${missing.join(', ')}): give a connection string (connectionFromEnv, or secretTargetRef ` +
        'parameter connection), or all of host, port, userName, dbName and sslmode',
    ),
  );
};

// ---- prometheus ----

const PROMETHEUS_AUTH_NEEDS: Record<string, readonly string[]> = {
  bearer: ['bearerToken'],
  basic: ['username'],
  tls: ['cert', 'key'],
  custom: ['customAuthHeader', 'customAuthValue'],
};

export const prometheusAuthModes: TriggerRule = (t) =>
  (t.meta('authModes') ?? '')
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m in PROMETHEUS_AUTH_NEEDS)
    .flatMap((m) => needAuth(t, 'authModes', m, PROMETHEUS_AUTH_NEEDS[m]!));

// ---- cpu / memory ----

const RESOURCE_METRIC_TYPES = ['Utilization', 'AverageValue'];

export const resourceMetricType: TriggerRule = (t) =>
  when(!RESOURCE_METRIC_TYPES.includes(t.trigger.metricType ?? ''), () =>
    t.error(
      '.metricType',
      `must be Utilization or AverageValue for a ${t.trigger.type} trigger, got ${quote(t.trigger.metricType ?? null)}`,
    ),
  );

export const resourceValue: TriggerRule = (t) => {
  const value = t.meta('value');
  if (value === undefined) return [];
  if (t.trigger.metricType === 'Utilization') {
    return when(!isPositiveInt(value), () =>
      t.error('value', `must be an integer percentage > 0 with metricType Utilization, got ${quote(value)}`),
    );
  }
  return when(t.trigger.metricType === 'AverageValue' && !((parseQuantity(value) ?? 0) > 0), () =>
    t.error(
      'value',
      `must be a quantity > 0 such as 500m or 512Mi with metricType AverageValue, got ${quote(value)}`,
    ),
  );
};

export const resourceContainer: TriggerRule = (t) => {
  const name = t.meta('containerName');
  const names = t.containers.map((c) => c.name);
  return when(name !== undefined && names.length > 0 && !names.includes(name), () =>
    t.error('containerName', `names no container of the Deployment (containers: ${names.join(', ')})`),
  );
};

// ---- cron ----

export const cronWindow: TriggerRule = (t) =>
  when(t.inMeta('start') && t.meta('start')?.trim() === t.meta('end')?.trim(), () =>
    t.error('end', 'must differ from start; the window would be empty'),
  );

export const rabbitmqHostCredentials: TriggerRule = (t) => {
  const host = t.meta('host');
  let password = '';
  try {
    password = host ? new URL(host).password : '';
  } catch {
    // An unparsable host is reported by its format check.
  }
  return when(password !== '', () =>
    t.warning(
      'host',
      Reason.SecretInMetadata,
      'contains a password that anyone who can read the pattern sees; move host to a Secret (secretTargetRef parameter host) or use hostFromEnv',
    ),
  );
};
