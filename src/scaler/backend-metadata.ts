// Trigger metadata and TriggerAuthentication parameters derived from a
// PrismBackend, so users write a connection once. Explicit trigger metadata
// wins (see mergeDerived); a trigger of a type that does not match the
// backend's provider gets nothing. Secret values are never read: derived
// secrets are references (Secret name + key) that KEDA resolves itself.
import type { SecretTargetRef } from '../api/v1alpha1/common.js';
import type { BackendProvider, PrismBackendSpec } from '../api/v1alpha1/prismbackend.js';
import {
  formatHostPort,
  primaryHostPort,
  probeAddresses,
  tlsEnabled,
  urlHostPort,
} from '../resources/backend.js';
import type { ScalerInput } from './types.js';

type Derivation = Required<Pick<ScalerInput, 'derivedMetadata' | 'derivedSecretRefs'>>;
type SecretKeys = NonNullable<PrismBackendSpec['secretRef']>['keys'];

/** NATS serves JetStream's /jsz on its HTTP monitoring port, not the client port. */
export const NATS_MONITORING_PORT = 8222;

const REDIS_TYPES = [
  'redis',
  'redis-cluster',
  'redis-sentinel',
  'redis-streams',
  'redis-cluster-streams',
  'redis-sentinel-streams',
];

/** The KEDA trigger types each provider can feed. */
export const TRIGGER_TYPES_OF: Record<BackendProvider, readonly string[]> = {
  kafka: ['kafka'],
  redis: REDIS_TYPES,
  postgres: ['postgresql'],
  rabbitmq: ['rabbitmq'],
  nats: ['nats-jetstream'],
  sqs: ['aws-sqs-queue'],
  tcp: [],
};

/** Which scaler parameter each named Secret key feeds, per trigger family. */
const SECRET_PARAMS: Record<BackendProvider, Partial<Record<keyof SecretKeys, string>>> = {
  kafka: { username: 'username', password: 'password' },
  redis: { username: 'username', password: 'password' },
  postgres: { username: 'userName', password: 'password', url: 'connection' },
  rabbitmq: { username: 'username', password: 'password', url: 'host' },
  nats: {},
  sqs: { username: 'awsAccessKeyID', password: 'awsSecretAccessKey', token: 'awsSessionToken' },
  tcp: {},
};

/** Providers whose scalers take a CA bundle and client certificate from a TriggerAuthentication. */
const TLS_FILES_PROVIDERS: readonly BackendProvider[] = ['kafka', 'redis', 'rabbitmq'];

const compact = (m: Record<string, string | undefined>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(m).filter((e): e is [string, string] => e[1] !== undefined && e[1] !== ''),
  );

function kafkaMetadata(spec: PrismBackendSpec): Record<string, string> {
  const tls = tlsEnabled(spec);
  return compact({
    bootstrapServers: spec.connection.bootstrapServers?.join(','),
    topic: spec.connection.topic,
    tls: tls ? 'enable' : undefined,
    unsafeSsl: tls && spec.tls?.insecureSkipVerify ? 'true' : undefined,
  });
}

function redisMetadata(spec: PrismBackendSpec, type: string): Record<string, string> {
  const tls = tlsEnabled(spec);
  const clusterOrSentinel = type.startsWith('redis-cluster') || type.startsWith('redis-sentinel');
  const addresses = probeAddresses(spec);
  return compact({
    ...(clusterOrSentinel ? { addresses: addresses.join(',') } : { address: addresses[0] }),
    // Redis Cluster has only database 0.
    databaseIndex: type.startsWith('redis-cluster') ? undefined : spec.connection.database,
    stream: type.endsWith('-streams') ? spec.connection.stream : undefined,
    enableTLS: tls ? 'true' : undefined,
    unsafeSsl: tls && spec.tls?.insecureSkipVerify ? 'true' : undefined,
  });
}

function postgresMetadata(spec: PrismBackendSpec): Record<string, string> {
  const server = primaryHostPort(spec);
  return compact({
    host: server?.host,
    port: server ? String(server.port) : undefined,
    dbName: spec.connection.database,
    sslmode: tlsEnabled(spec) ? 'require' : 'disable',
  });
}

/** amqp(s)://host:port/vhost without credentials; the credentials go through the TriggerAuthentication. */
function rabbitmqHost(spec: PrismBackendSpec): string | undefined {
  const c = spec.connection;
  const url = c.url ? safeUrl(c.url) : undefined;
  const scheme = url?.protocol.replace(/:$/, '') ?? (tlsEnabled(spec) ? 'amqps' : 'amqp');
  const server = c.url ? urlHostPort(c.url) : primaryHostPort(spec);
  if (!server) return undefined;
  const vhost = c.vhost ?? (url && url.pathname.length > 1 ? decodeURIComponent(url.pathname.slice(1)) : '');
  return `${scheme}://${formatHostPort(server)}/${vhost === '/' ? '' : encodeURIComponent(vhost)}`;
}

function rabbitmqMetadata(spec: PrismBackendSpec): Record<string, string> {
  // A full URL in the Secret is the host (through the TriggerAuthentication); metadata would shadow it.
  const hostInSecret = spec.secretRef?.keys.url !== undefined;
  return compact({
    host: hostInSecret ? undefined : rabbitmqHost(spec),
    queueName: spec.connection.queue,
    vhostName: spec.connection.vhost,
  });
}

function natsMetadata(spec: PrismBackendSpec): Record<string, string> {
  const server = primaryHostPort(spec);
  return compact({
    natsServerMonitoringEndpoint: server
      ? formatHostPort({ host: server.host, port: NATS_MONITORING_PORT })
      : undefined,
    stream: spec.connection.stream,
  });
}

function sqsMetadata(spec: PrismBackendSpec): Record<string, string> {
  return compact({
    queueURL: spec.connection.queue,
    awsRegion: spec.connection.region,
    awsEndpoint: spec.connection.url,
  });
}

/** Connection metadata for one trigger type; empty when the type does not match the provider. */
export function derivedMetadataFor(spec: PrismBackendSpec, type: string): Record<string, string> {
  if (!TRIGGER_TYPES_OF[spec.provider].includes(type)) return {};
  switch (spec.provider) {
    case 'kafka':
      return kafkaMetadata(spec);
    case 'redis':
      return redisMetadata(spec, type);
    case 'postgres':
      return postgresMetadata(spec);
    case 'rabbitmq':
      return rabbitmqMetadata(spec);
    case 'nats':
      return natsMetadata(spec);
    case 'sqs':
      return sqsMetadata(spec);
    case 'tcp':
      return {};
  }
}

/** TriggerAuthentication secretTargetRefs for one trigger type, from the backend's Secret references. */
export function derivedSecretRefsFor(spec: PrismBackendSpec, type: string): SecretTargetRef[] {
  if (!TRIGGER_TYPES_OF[spec.provider].includes(type)) return [];
  const refs: SecretTargetRef[] = [];
  const ref = spec.secretRef;
  if (ref) {
    const params = SECRET_PARAMS[spec.provider];
    for (const [field, parameter] of Object.entries(params)) {
      const key = ref.keys[field as keyof SecretKeys];
      if (key !== undefined) refs.push({ parameter, name: ref.name, key });
    }
  }
  if (tlsEnabled(spec) && TLS_FILES_PROVIDERS.includes(spec.provider)) {
    const ca = spec.tls?.caSecretRef;
    if (ca && !spec.tls?.insecureSkipVerify) {
      refs.push({ parameter: 'ca', name: ca.name, key: ca.key ?? 'ca.crt' });
    }
    const cert = spec.tls?.certSecretRef;
    if (cert) {
      refs.push({ parameter: 'cert', name: cert.name, key: 'tls.crt' });
      refs.push({ parameter: 'key', name: cert.name, key: 'tls.key' });
    }
  }
  return refs;
}

/** The ScalerInput hooks for a pattern bound to this backend. */
export function backendDerivation(spec: PrismBackendSpec): Derivation {
  return {
    derivedMetadata: (type) => derivedMetadataFor(spec, type),
    derivedSecretRefs: (type) => derivedSecretRefsFor(spec, type),
  };
}

function safeUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}
