// Pure builders for a PrismBackend: the connection ConfigMap it publishes, the
// addresses its health check dials, the Secret keys it needs, and what a
// pattern bound to it gets (env, envFrom, a checksum that rolls its pods).
// Spec in, object out: no client, no clock, and never a Secret value.
import type { PrismBackendSpec } from '../api/v1alpha1/prismbackend.js';
import { contentHash } from '../runtime/object-diff.js';
import type { Obj } from '../runtime/object.js';
import { childMeta, type Owner } from './meta.js';
import type { BackendBinding } from './pattern.js';

export const BACKEND_COMPONENT = 'prism-backend';
/** Pod-template annotation of a bound pattern: changes when the connection does, so pods roll. */
export const BACKEND_CHECKSUM_ANNOTATION = 'prism.io/backend-checksum';
export const ENV_PREFIX = 'PRISM_BACKEND_';

export const connectionConfigMapName = (backend: string) => `${backend}-connection`;

/** Environment variable names for the Secret keys a backend names (values stay in the Secret). */
export const SECRET_ENV: Record<keyof NonNullable<PrismBackendSpec['secretRef']>['keys'], string> = {
  username: `${ENV_PREFIX}USERNAME`,
  password: `${ENV_PREFIX}PASSWORD`,
  url: `${ENV_PREFIX}URL`,
  token: `${ENV_PREFIX}TOKEN`,
};

/** The non-secret connection settings, as environment-variable-friendly keys. */
export function connectionData(name: string, spec: PrismBackendSpec): Record<string, string> {
  const c = spec.connection;
  const data: Record<string, string> = {
    [`${ENV_PREFIX}NAME`]: name,
    [`${ENV_PREFIX}PROVIDER`]: spec.provider,
  };
  const put = (key: string, value: string | undefined) => {
    if (value !== undefined && value !== '') data[`${ENV_PREFIX}${key}`] = value;
  };
  put('BOOTSTRAP_SERVERS', c.bootstrapServers?.join(','));
  put('ENDPOINTS', c.endpoints?.join(','));
  put('URL', c.url);
  put('DATABASE', c.database);
  put('QUEUE', c.queue);
  put('STREAM', c.stream);
  put('TOPIC', c.topic);
  put('REGION', c.region);
  put('VHOST', c.vhost);
  const tls = tlsEnabled(spec);
  put('TLS_ENABLED', String(tls));
  if (tls) {
    put('TLS_SERVER_NAME', spec.tls?.serverName);
    if (spec.tls?.insecureSkipVerify) put('TLS_INSECURE_SKIP_VERIFY', 'true');
  }
  return data;
}

export function tlsEnabled(spec: PrismBackendSpec): boolean {
  return spec.tls !== undefined && spec.tls.enabled !== false;
}

export function connectionConfigMapFor(owner: Owner, spec: PrismBackendSpec): Obj {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: childMeta(owner, connectionConfigMapName(owner.name), BACKEND_COMPONENT, {
      labels: { 'prism.io/backend-provider': spec.provider },
    }),
    data: connectionData(owner.name, spec),
  };
}

/** What a pattern's container gets: the ConfigMap as env, secretKeyRef env vars, a checksum. */
export function backendBindingFor(name: string, spec: PrismBackendSpec): BackendBinding {
  const keys = spec.secretRef?.keys ?? {};
  const env = (Object.keys(SECRET_ENV) as (keyof typeof SECRET_ENV)[])
    .filter((k) => keys[k] !== undefined)
    .map((k) => ({
      name: SECRET_ENV[k],
      valueFrom: { secretKeyRef: { name: spec.secretRef!.name, key: keys[k] } },
    }));
  // The checksum covers the settings and where the secrets are, never their values.
  const checksum = contentHash({ data: connectionData(name, spec), secretRef: spec.secretRef ?? null });
  return {
    env,
    envFrom: [{ configMapRef: { name: connectionConfigMapName(name) } }],
    podAnnotations: { [BACKEND_CHECKSUM_ANNOTATION]: checksum },
  };
}

// ---------------------------------------------------------------- addresses

export interface HostPort {
  host: string;
  port: number;
}

/** Splits host:port; IPv6 hosts come in brackets ([fd00::1]:9092) and leave without them. */
export function parseHostPort(address: string): HostPort | undefined {
  const i = address.lastIndexOf(':');
  if (i <= 0) return undefined;
  const port = Number(address.slice(i + 1));
  if (!Number.isInteger(port) || port < 1 || port > 65535) return undefined;
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  return host ? { host, port } : undefined;
}

export const formatHostPort = ({ host, port }: HostPort) =>
  `${host.includes(':') ? `[${host}]` : host}:${port}`;

const DEFAULT_PORTS: Record<string, number> = {
  'nats:': 4222,
  'tls:': 4222,
  'redis:': 6379,
  'rediss:': 6379,
  'postgres:': 5432,
  'postgresql:': 5432,
  'amqp:': 5672,
  'amqps:': 5671,
  'http:': 80,
  'https:': 443,
};

/** host:port of a connection URL (credentials and path dropped), with the scheme's default port. */
export function urlHostPort(url: string): HostPort | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const port = parsed.port ? Number(parsed.port) : DEFAULT_PORTS[parsed.protocol];
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  return host && port ? { host, port } : undefined;
}

/**
 * The addresses the health check dials: bootstrap servers, endpoints, or the
 * URL's host; SQS's regional endpoint. Empty when the address lives only in a
 * Secret (the operator never reads Secret values to find it).
 */
export function probeAddresses(spec: PrismBackendSpec): string[] {
  const c = spec.connection;
  const listed = c.bootstrapServers ?? c.endpoints;
  if (listed?.length) return [...listed];
  const fromUrl = c.url ? urlHostPort(c.url) : undefined;
  if (fromUrl) return [formatHostPort(fromUrl)];
  if (spec.provider === 'sqs' && c.region) return [`sqs.${c.region}.amazonaws.com:443`];
  return [];
}

/** The first address as host and port, for settings that take a single server. */
export function primaryHostPort(spec: PrismBackendSpec): HostPort | undefined {
  const first = probeAddresses(spec)[0];
  return first === undefined ? undefined : parseHostPort(first);
}

// ---------------------------------------------------------------- secrets

/** A Secret key the backend needs, and the field that names it (for messages). */
export interface SecretKeyNeed {
  secret: string;
  key: string;
  field: string;
}

/** Every Secret key the spec names: credentials, the CA bundle, the client certificate. */
export function secretKeysNeeded(spec: PrismBackendSpec): SecretKeyNeed[] {
  const needs: SecretKeyNeed[] = [];
  const ref = spec.secretRef;
  if (ref) {
    for (const [field, key] of Object.entries(ref.keys) as [string, string | undefined][]) {
      if (key !== undefined) needs.push({ secret: ref.name, key, field: `spec.secretRef.keys.${field}` });
    }
  }
  if (tlsEnabled(spec)) {
    const ca = spec.tls?.caSecretRef;
    if (ca) needs.push({ secret: ca.name, key: ca.key ?? 'ca.crt', field: 'spec.tls.caSecretRef' });
    const cert = spec.tls?.certSecretRef;
    if (cert) {
      for (const key of ['tls.crt', 'tls.key']) {
        needs.push({ secret: cert.name, key, field: 'spec.tls.certSecretRef' });
      }
    }
  }
  return needs;
}

/** Names of every Secret the spec refers to (for the Secret → backend mapping). */
export function referencedSecrets(spec: PrismBackendSpec): string[] {
  return [...new Set(secretKeysNeeded(spec).map((n) => n.secret))];
}

// ---------------------------------------------------------------- durations

const GO_DURATION = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration (1h30m, 45s, 250ms) in milliseconds; `fallback` when unparsable. */
export function durationMs(text: string | undefined, fallback: number): number {
  if (!text || !/^((\d+(\.\d+)?)(ms|s|m|h))+$/.test(text)) return fallback;
  let total = 0;
  for (const m of text.matchAll(GO_DURATION)) total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return Math.round(total);
}
