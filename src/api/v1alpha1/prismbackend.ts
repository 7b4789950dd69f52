// PrismBackend: where a data backend (Kafka, NATS, Redis, Postgres, ...) lives
// and how to reach it. Patterns point at one with backendRef; the operator
// checks it is reachable and publishes its connection settings in a ConfigMap.
import { CloneType, Type, type Static } from '@sinclair/typebox';
import { Conditions } from './common.js';
import { cel, enumOf, int32, type CelRule } from './schema-helpers.js';

// --- Small builders shared by the PrismBackend, PrismNamespace and PrismStack schemas.

/** A Go duration as Kubernetes components write them: 30s, 5m, 1h30m, 1.5h. */
export const DURATION_PATTERN = '^([0-9]+([.][0-9]+)?(ms|s|m|h))+$';

/**
 * A duration string. The format is a CEL rule (so a bad value reports the
 * field's own message), and so are the bounds: CEL's duration() compares them.
 */
export function duration(description: string, opts: { default?: string; min?: string; max?: string } = {}) {
  const checks = [`self.matches('${DURATION_PATTERN}')`];
  if (opts.min) checks.push(`duration(self) >= duration('${opts.min}')`);
  if (opts.max) checks.push(`duration(self) <= duration('${opts.max}')`);
  const bounds = [opts.min && `at least ${opts.min}`, opts.max && `at most ${opts.max}`].filter(Boolean);
  return Type.String({
    description,
    maxLength: 32,
    ...(opts.default === undefined ? {} : { default: opts.default }),
    ...cel({
      rule: checks.join(' && '),
      message: `must be a duration such as 45s, 5m or 1h30m (units ms, s, m, h)${bounds.length ? `, ${bounds.join(' and ')}` : ''}`,
    }),
  });
}

/** A CEL rule: the duration at `shorter` is less than the one at `longer` (both fields of self). */
export function durationBelow(shorter: string, longer: string, message: string): CelRule {
  const ok = (f: string) => `has(self.${f}) && self.${f}.matches('${DURATION_PATTERN}')`;
  return {
    rule: `!(${ok(shorter)} && ${ok(longer)}) || duration(self.${shorter}) < duration(self.${longer})`,
    message,
    fieldPath: `.${shorter}`,
  };
}

/** A DNS-1123 subdomain: what names of Secrets and ConfigMaps must be. */
export const dnsSubdomain = (description: string) =>
  Type.String({
    description,
    minLength: 1,
    maxLength: 253,
    pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$',
  });

/** A key of a Secret or ConfigMap. */
export const dataKey = (description: string, opts: { default?: string } = {}) =>
  Type.String({ description, minLength: 1, maxLength: 253, pattern: '^[-._a-zA-Z0-9]+$', ...opts });

const HOST = '(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?)';
const PORT = '([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';

const hostPortList = (description: string) =>
  Type.Array(
    Type.String({
      description: 'host:port (IPv6 hosts in brackets, e.g. [fd00::1]:9092); port 1-65535.',
      maxLength: 261,
      pattern: `^${HOST}:${PORT}$`,
    }),
    { description, minItems: 1, maxItems: 32, 'x-kubernetes-list-type': 'set' },
  );

// --- The kind.

export const BACKEND_PROVIDERS = ['kafka', 'nats', 'redis', 'postgres', 'rabbitmq', 'sqs', 'tcp'] as const;
export type BackendProvider = (typeof BACKEND_PROVIDERS)[number];

export const BackendConnection = Type.Object(
  {
    bootstrapServers: Type.Optional(hostPortList('Kafka bootstrap brokers (kafka only).')),
    endpoints: Type.Optional(
      hostPortList('Server addresses, for nats, redis, rabbitmq, postgres and tcp (not kafka or sqs).'),
    ),
    url: Type.Optional(
      Type.String({
        description:
          'Connection URL with its scheme: nats:// or tls:// (nats), redis:// or rediss:// (redis), postgres:// or postgresql:// (postgres), amqp:// or amqps:// (rabbitmq), http(s):// endpoint override (sqs). Put URLs with credentials in secretRef.keys.url instead.',
        minLength: 1,
        maxLength: 2048,
      }),
    ),
    database: Type.Optional(
      Type.String({
        description: 'Database name (postgres, required) or number (redis).',
        minLength: 1,
        maxLength: 63,
      }),
    ),
    queue: Type.Optional(
      Type.String({ description: 'Queue name (sqs, required; rabbitmq).', minLength: 1, maxLength: 256 }),
    ),
    stream: Type.Optional(
      Type.String({
        description: 'Stream name (NATS JetStream, Redis Streams).',
        minLength: 1,
        maxLength: 256,
      }),
    ),
    topic: Type.Optional(
      Type.String({
        description: 'Default topic (kafka), subject (nats) or channel (redis).',
        minLength: 1,
        maxLength: 256,
      }),
    ),
    region: Type.Optional(
      Type.String({
        description: 'AWS region, e.g. eu-west-1 (sqs only, required).',
        pattern: '^[a-z]{2}(-[a-z]+)+-[0-9]+$',
        maxLength: 32,
      }),
    ),
    vhost: Type.Optional(
      Type.String({ description: 'Virtual host (rabbitmq only; default /).', minLength: 1, maxLength: 256 }),
    ),
  },
  {
    description:
      'Where the backend is. One object for all providers; which fields are needed or allowed depends on spec.provider.',
  },
);
export type BackendConnection = Static<typeof BackendConnection>;

/** Which providers each connection field applies to; any other provider refuses it. */
export const CONNECTION_FIELD_PROVIDERS: Record<keyof BackendConnection, readonly BackendProvider[]> = {
  bootstrapServers: ['kafka'],
  endpoints: ['nats', 'redis', 'postgres', 'rabbitmq', 'tcp'],
  url: ['nats', 'redis', 'postgres', 'rabbitmq', 'sqs'],
  database: ['postgres', 'redis'],
  queue: ['sqs', 'rabbitmq'],
  stream: ['nats', 'redis'],
  topic: ['kafka', 'nats', 'redis'],
  region: ['sqs'],
  vhost: ['rabbitmq'],
};

/** The scheme connection.url must have, per provider. */
const URL_SCHEMES: Partial<Record<BackendProvider, string>> = {
  nats: '^(nats|tls)://',
  redis: '^rediss?://',
  postgres: '^postgres(ql)?://',
  rabbitmq: '^amqps?://',
  sqs: '^https?://',
};

const celList = (values: readonly string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;
const HAS_URL =
  '(has(self.connection.url) || (has(self.secretRef) && has(self.secretRef.keys) && has(self.secretRef.keys.url)))';

const ENDPOINTS_OR_URL = `has(self.connection.endpoints) || ${HAS_URL}`;
const OR_URL = 'connection.endpoints, connection.url or secretRef.keys.url';

/** What each provider needs: the condition on self, and the message when it is not met. */
const PROVIDER_NEEDS: Record<BackendProvider, [string, string]> = {
  kafka: ['has(self.connection.bootstrapServers)', 'connection.bootstrapServers'],
  nats: [ENDPOINTS_OR_URL, OR_URL],
  redis: [ENDPOINTS_OR_URL, OR_URL],
  rabbitmq: [ENDPOINTS_OR_URL, OR_URL],
  postgres: [
    `(${ENDPOINTS_OR_URL}) && has(self.connection.database)`,
    `connection.database and one of ${OR_URL}`,
  ],
  sqs: [
    'has(self.connection.region) && has(self.connection.queue)',
    'connection.region and connection.queue',
  ],
  tcp: ['has(self.connection.endpoints)', 'connection.endpoints'],
};

const urlSchemeByProvider = `{${Object.entries(URL_SCHEMES)
  .map(([p, re]) => `'${p}': '${re}'`)
  .join(', ')}}`;

/**
 * Cross-field rules of a backend spec (provider against connection and secretRef).
 * PrismStack's spec.backends[] entries carry the same fields, so they reuse these.
 */
export const BACKEND_SPEC_RULES: CelRule[] = [
  ...BACKEND_PROVIDERS.map((p): CelRule => ({
    rule: `self.provider != '${p}' || (${PROVIDER_NEEDS[p][0]})`,
    message: `provider ${p} needs ${PROVIDER_NEEDS[p][1]}`,
    fieldPath: '.connection',
    reason: 'FieldValueRequired',
  })),
  ...Object.entries(CONNECTION_FIELD_PROVIDERS).map(([field, providers]): CelRule => ({
    rule: `!has(self.connection.${field}) || self.provider in ${celList(providers)}`,
    message: `connection.${field} applies only to provider ${providers.join(', ')}`,
    fieldPath: `.connection.${field}`,
    reason: 'FieldValueForbidden',
  })),
  {
    rule: `!has(self.connection.url) || !(self.provider in ${celList(Object.keys(URL_SCHEMES))}) || self.connection.url.matches(${urlSchemeByProvider}[self.provider])`,
    message:
      'connection.url must use a scheme of its provider: nats:// or tls://, redis:// or rediss://, postgres://, amqp:// or amqps://, http(s):// for sqs',
    fieldPath: '.connection.url',
  },
  {
    rule: "self.provider != 'redis' || !has(self.connection.database) || self.connection.database.matches('^[0-9]{1,5}$')",
    message: 'connection.database of a redis backend is a database number, e.g. 0',
    fieldPath: '.connection.database',
  },
];

export const BackendSecretRef = Type.Object(
  {
    name: dnsSubdomain('A Secret in the same namespace.'),
    keys: Type.Object(
      {
        username: Type.Optional(dataKey('Key holding the user name.')),
        password: Type.Optional(dataKey('Key holding the password.')),
        url: Type.Optional(
          dataKey('Key holding a full connection URL (with credentials); it counts as connection.url.'),
        ),
        token: Type.Optional(dataKey('Key holding a token (e.g. NATS or SASL/OAUTHBEARER).')),
      },
      {
        description: 'Which keys of the Secret hold which credential; only the keys named are read.',
        ...cel(
          {
            rule: 'has(self.username) || has(self.password) || has(self.url) || has(self.token)',
            message: 'name at least one of username, password, url or token',
          },
          {
            rule: '!has(self.username) || has(self.password)',
            message: 'a username needs a password key',
            fieldPath: '.password',
            reason: 'FieldValueRequired',
          },
        ),
      },
    ),
  },
  { description: 'Credentials for the backend, from a Secret.' },
);
export type BackendSecretRef = Static<typeof BackendSecretRef>;

export const BackendTLS = Type.Object(
  {
    enabled: Type.Optional(
      Type.Boolean({
        default: true,
        description: 'Use TLS (set false to keep the settings but turn TLS off).',
      }),
    ),
    caSecretRef: Type.Optional(
      Type.Object(
        {
          name: dnsSubdomain('A Secret in the same namespace.'),
          key: Type.Optional(dataKey('Key holding the PEM CA bundle.', { default: 'ca.crt' })),
        },
        { description: 'CA bundle that signs the server certificate (default: the system roots).' },
      ),
    ),
    certSecretRef: Type.Optional(
      Type.Object(
        { name: dnsSubdomain('A kubernetes.io/tls Secret (tls.crt, tls.key) in the same namespace.') },
        { description: 'Client certificate for mutual TLS.' },
      ),
    ),
    serverName: Type.Optional(
      Type.String({
        description: 'Name to verify the server certificate against (default: the host being dialled).',
        minLength: 1,
        maxLength: 253,
      }),
    ),
    insecureSkipVerify: Type.Optional(
      Type.Boolean({ default: false, description: 'Skip server certificate verification (testing only).' }),
    ),
  },
  {
    description: 'TLS to the backend.',
    ...cel({
      rule: '!(has(self.insecureSkipVerify) && self.insecureSkipVerify && has(self.caSecretRef))',
      message: 'insecureSkipVerify ignores caSecretRef: set one or the other',
      fieldPath: '.insecureSkipVerify',
    }),
  },
);
export type BackendTLS = Static<typeof BackendTLS>;

export const BackendHealthCheck = Type.Object(
  {
    enabled: Type.Optional(
      Type.Boolean({ default: true, description: 'Probe the endpoints and report reachability in status.' }),
    ),
    interval: Type.Optional(duration('Time between probes.', { default: '30s', min: '1s', max: '24h' })),
    timeout: Type.Optional(duration('Time a probe may take.', { default: '5s', min: '100ms', max: '5m' })),
  },
  {
    description: 'How the operator checks the backend is reachable.',
    ...cel(durationBelow('timeout', 'interval', 'timeout must be shorter than interval')),
  },
);
export type BackendHealthCheck = Static<typeof BackendHealthCheck>;

export const PrismBackendSpec = Type.Object(
  {
    provider: enumOf(BACKEND_PROVIDERS, { description: 'Kind of backend.' }),
    connection: BackendConnection,
    secretRef: Type.Optional(BackendSecretRef),
    tls: Type.Optional(BackendTLS),
    healthCheck: Type.Optional(CloneType(BackendHealthCheck, { default: {} })),
  },
  { description: 'Desired state of the PrismBackend.', ...cel(...BACKEND_SPEC_RULES) },
);
export type PrismBackendSpec = Static<typeof PrismBackendSpec>;

export const BACKEND_PHASES = ['Pending', 'Ready', 'Unreachable', 'Invalid'] as const;
export type BackendPhase = (typeof BACKEND_PHASES)[number];

export const BackendEndpointStatus = Type.Object({
  address: Type.String({ description: 'host:port (or URL host) that was probed.' }),
  reachable: Type.Boolean({ description: 'Whether the last probe connected.' }),
  latencyMs: Type.Optional(int32({ minimum: 0, description: 'Time the last probe took to connect.' })),
  error: Type.Optional(Type.String({ description: 'Why the last probe failed.' })),
});
export type BackendEndpointStatus = Static<typeof BackendEndpointStatus>;

export const PrismBackendStatus = Type.Object(
  {
    phase: Type.Optional(
      enumOf(BACKEND_PHASES, {
        description:
          'Pending (not checked yet), Ready, Unreachable (no endpoint answers), Invalid (spec or Secret unusable).',
      }),
    ),
    healthy: Type.Optional(Type.Boolean({ description: 'Whether the last health check passed.' })),
    lastChecked: Type.Optional(Type.String({ format: 'date-time', description: 'When the last check ran.' })),
    endpoints: Type.Optional(
      Type.Array(BackendEndpointStatus, {
        maxItems: 64,
        description: 'Result of the last probe per endpoint.',
      }),
    ),
    observedGeneration: Type.Optional(
      Type.Integer({ format: 'int64', description: 'The spec generation this status describes.' }),
    ),
    conditions: Type.Optional(CloneType(Conditions, { description: 'Ready and BackendReachable.' })),
    connectionConfigMap: Type.Optional(
      Type.String({
        description: 'Name of the ConfigMap with the connection settings (no credentials) patterns mount.',
      }),
    ),
  },
  { description: 'Observed state of the PrismBackend.' },
);
export type PrismBackendStatus = Static<typeof PrismBackendStatus>;
