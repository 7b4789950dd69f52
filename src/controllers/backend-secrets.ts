// Secrets as the PrismBackend controller sees them: names of keys, never
// values. The informer's transform drops everything but the name, namespace,
// resourceVersion and key names before anything is cached, so no Secret value
// is ever held in memory beyond the list/watch response that carried it.
import type { PrismBackendSpec } from '../api/v1alpha1/prismbackend.js';
import type { Manager } from '../runtime/manager.js';
import type { KubeObject, Obj } from '../runtime/object.js';
import { referencedSecrets, secretKeysNeeded } from '../resources/backend.js';
import type { ProbeTls } from './backend-probe.js';
import type { TlsPlan } from './backend-prober.js';

export const SECRETS_CACHE = 'backend-secrets';
export const SECRET_RESOURCE = {
  group: '',
  version: 'v1',
  plural: 'secrets',
  kind: 'Secret',
  namespaced: true,
} as const;

/** A cached Secret: its identity and the names of its keys. */
export interface SecretKeys extends Obj {
  keys: string[];
}

/** The informer transform: keeps metadata name/namespace/resourceVersion and the key names. */
export function secretKeysOnly(obj: KubeObject): KubeObject {
  const data = (obj.data ?? {}) as Record<string, unknown>;
  const stringData = (obj.stringData ?? {}) as Record<string, unknown>;
  const { name, namespace, resourceVersion } = obj.metadata;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, ...(namespace ? { namespace } : {}), ...(resourceVersion ? { resourceVersion } : {}) },
    keys: [...new Set([...Object.keys(data), ...Object.keys(stringData)])].sort(),
  };
}

export interface SecretProblem {
  reason: 'SecretNotFound' | 'SecretKeyMissing';
  message: string;
}

/** The first missing Secret or key the spec names; `lookup` answers from the cache. */
export function secretProblem(
  spec: PrismBackendSpec,
  namespace: string,
  lookup: (name: string) => { keys: string[] } | undefined,
): SecretProblem | undefined {
  for (const need of secretKeysNeeded(spec)) {
    const secret = lookup(need.secret);
    if (!secret) {
      return {
        reason: 'SecretNotFound',
        message: `Secret ${need.secret} (${need.field}) does not exist in namespace ${namespace}; create it or fix the name`,
      };
    }
    if (!secret.keys.includes(need.key)) {
      return {
        reason: 'SecretKeyMissing',
        message: `Secret ${need.secret} has no key "${need.key}" (${need.field}); add the key to the Secret or fix the key name`,
      };
    }
  }
  return undefined;
}

/** Watches Secrets (key names only); a change re-queues the backends that refer to the Secret. */
export function watchSecrets(
  mgr: Manager,
  backendsReferencing: (ns: string, secret: string) => string[],
): void {
  mgr.watch(SECRETS_CACHE, {
    resource: SECRET_RESOURCE,
    transform: secretKeysOnly,
    // The cache holds no values, so a changed value shows only as a new resourceVersion: every update counts.
    predicate: () => true,
    map: (s) => backendsReferencing(s.metadata.namespace ?? '', s.metadata.name),
  });
}

/** Index value of a backend for each Secret it refers to. */
export const secretIndexValues = (namespace: string | undefined, spec: PrismBackendSpec | undefined) =>
  spec ? referencedSecrets(spec).map((s) => `${namespace ?? ''}/${s}`) : [];

/**
 * Reads the CA bundle and client certificate a TLS probe needs with one GET per
 * Secret, for that probe only: the values are handed to the TLS socket and dropped.
 */
export async function loadProbeTls(mgr: Manager, namespace: string, plan: TlsPlan): Promise<ProbeTls> {
  const tls: ProbeTls = {};
  if (plan.serverName) tls.serverName = plan.serverName;
  if (plan.insecureSkipVerify) tls.insecureSkipVerify = true;
  const read = async (name: string, key: string) => {
    const secret = await mgr.client.request<{ data?: Record<string, string> }>({
      method: 'GET',
      path: `/api/v1/namespaces/${namespace}/secrets/${name}`,
    });
    const value = secret.data?.[key];
    if (value === undefined) throw new Error(`Secret ${name} has no key "${key}"`);
    return Buffer.from(value, 'base64').toString('utf8');
  };
  if (plan.caSecret && !plan.insecureSkipVerify) tls.ca = await read(plan.caSecret.name, plan.caSecret.key);
  if (plan.certSecret) {
    tls.cert = await read(plan.certSecret, 'tls.crt');
    tls.key = await read(plan.certSecret, 'tls.key');
  }
  return tls;
}
