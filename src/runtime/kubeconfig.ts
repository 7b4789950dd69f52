// Where the operator's API server is and how to authenticate, read the way
// client-go does: $KUBECONFIG (files merged, first value wins), else
// ~/.kube/config, else the in-cluster service account. Only the common
// credentials are handled here (client certificates, bearer tokens, token
// files); anything else (exec plugins, auth providers, impersonation, proxies)
// is handed to @kubernetes/client-node's KubeConfig. The reason is memory:
// loading client-node costs ~70 MiB of resident memory (half the operator's
// budget) and in a cluster the operator only ever needs the service account.
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { homedir } from 'node:os';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { parse } from 'yaml';

/** What the runtime needs of a kubeconfig; client-node's KubeConfig has the same shape. */
export interface KubeConfigLike {
  getCurrentContext(): string;
  getCurrentCluster(): { server: string } | null;
  getCurrentUser(): { exec?: unknown; authProvider?: unknown } | null;
  applyToHTTPSOptions(opts: RequestOptions): Promise<void>;
}

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Bound service account tokens rotate; client-go re-reads its token file at this age. */
const TOKEN_FILE_MAX_AGE_MS = 60_000;

type Json = Record<string, unknown>;

/** The resolved connection: server, TLS material and a credential. */
export interface Connection {
  context: string;
  server: string;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  insecureSkipTlsVerify?: boolean;
  tlsServerName?: string;
  token?: string;
  tokenFile?: string;
  basic?: { username: string; password: string };
}

/** Fields this module does not handle; their presence sends the kubeconfig to client-node. */
const DELEGATED_USER_FIELDS = ['exec', 'auth-provider', 'as', 'as-uid', 'as-groups', 'as-user-extra'];
const DELEGATED_CLUSTER_FIELDS = ['proxy-url'];

export class LightKubeConfig implements KubeConfigLike {
  private cachedToken: { value: string; readAt: number } | undefined;

  constructor(
    readonly connection: Connection,
    private readonly now: () => number = Date.now,
  ) {}

  getCurrentContext(): string {
    return this.connection.context;
  }

  getCurrentCluster(): { server: string } {
    return { server: this.connection.server };
  }

  getCurrentUser(): { exec?: unknown; authProvider?: unknown } {
    // A token file is re-read as it rotates: the client must ask for headers per request.
    return this.connection.tokenFile ? { authProvider: { name: 'tokenFile' } } : {};
  }

  async applyToHTTPSOptions(opts: RequestOptions): Promise<void> {
    const c = this.connection;
    if (c.ca) opts.ca = c.ca;
    if (c.cert) opts.cert = c.cert;
    if (c.key) opts.key = c.key;
    if (c.insecureSkipTlsVerify) opts.rejectUnauthorized = false;
    if (c.tlsServerName) opts.servername = c.tlsServerName;
    const token = this.token();
    const headers = (opts.headers ?? {}) as Record<string, string>;
    if (token) headers.Authorization = `Bearer ${token}`;
    else if (c.basic) opts.auth = `${c.basic.username}:${c.basic.password}`;
    opts.headers = headers;
    return Promise.resolve();
  }

  private token(): string | undefined {
    const c = this.connection;
    if (c.token) return c.token;
    if (!c.tokenFile) return undefined;
    if (!this.cachedToken || this.now() - this.cachedToken.readAt > TOKEN_FILE_MAX_AGE_MS) {
      this.cachedToken = { value: readFileSync(c.tokenFile, 'utf8').trim(), readAt: this.now() };
    }
    return this.cachedToken.value;
  }
}

export interface KubeConfigSources {
  env: NodeJS.ProcessEnv;
  home?: string;
  serviceAccountDir?: string;
}

/**
 * Loads the kubeconfig as client-go would. Returns a LightKubeConfig when this
 * module handles everything the current context uses, otherwise a loaded
 * client-node KubeConfig (imported only then).
 */
export async function loadKubeConfig(sources: KubeConfigSources): Promise<KubeConfigLike> {
  const found = resolveConnection(sources);
  if (found.kind === 'light') return new LightKubeConfig(found.connection);
  const k8s = await import('@kubernetes/client-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault(); // reads process.env, which is what `run` passes as sources.env
  return kc;
}

export type Resolution = { kind: 'light'; connection: Connection } | { kind: 'delegate'; why: string };

/** The pure part of loadKubeConfig: which files, which context, and whether this module can serve it. */
export function resolveConnection(sources: KubeConfigSources): Resolution {
  const files = kubeconfigFiles(sources);
  if (files.length === 0) return inCluster(sources);
  const merged = mergeKubeconfigs(files.map((f) => ({ path: f, doc: readYaml(f) })));
  const contextName = merged.currentContext;
  if (!contextName) return { kind: 'delegate', why: 'no current-context' };
  const context = merged.contexts.get(contextName);
  if (!context) return { kind: 'delegate', why: `context ${contextName} is not defined` };
  const cluster = merged.clusters.get(nameIn(context.value.cluster));
  const user = merged.users.get(nameIn(context.value.user)) ?? { value: {}, dir: '' };
  if (!cluster || typeof cluster.value.server !== 'string') {
    return { kind: 'delegate', why: `context ${contextName} has no cluster with a server` };
  }
  const delegated = [
    ...DELEGATED_USER_FIELDS.filter((f) => user.value[f] !== undefined),
    ...DELEGATED_CLUSTER_FIELDS.filter((f) => cluster.value[f] !== undefined),
  ];
  if (delegated.length) return { kind: 'delegate', why: `uses ${delegated.join(', ')}` };
  const u = user.value;
  const cl = cluster.value;
  const connection: Connection = {
    context: contextName,
    server: cl.server as string,
    ca: material(cl['certificate-authority-data'], cl['certificate-authority'], cluster.dir),
    cert: material(u['client-certificate-data'], u['client-certificate'], user.dir),
    key: material(u['client-key-data'], u['client-key'], user.dir),
    insecureSkipTlsVerify: cl['insecure-skip-tls-verify'] === true,
    tlsServerName: typeof cl['tls-server-name'] === 'string' ? cl['tls-server-name'] : undefined,
    token: typeof u.token === 'string' && u.token ? u.token : undefined,
    tokenFile: typeof u.tokenFile === 'string' ? resolvePath(u.tokenFile, user.dir) : undefined,
    basic:
      typeof u.username === 'string' && typeof u.password === 'string'
        ? { username: u.username, password: u.password }
        : undefined,
  };
  return { kind: 'light', connection: dropUndefined(connection) };
}

function kubeconfigFiles({ env, home }: KubeConfigSources): string[] {
  if (env.KUBECONFIG) return env.KUBECONFIG.split(delimiter).filter((f) => f && existsSync(f));
  const dflt = join(home ?? env.HOME ?? homedir(), '.kube', 'config');
  return existsSync(dflt) && statSync(dflt).isFile() ? [dflt] : [];
}

function inCluster({ env, serviceAccountDir = SERVICE_ACCOUNT_DIR }: KubeConfigSources): Resolution {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const tokenFile = join(serviceAccountDir, 'token');
  if (!host || !port || !existsSync(tokenFile)) {
    return { kind: 'delegate', why: 'no kubeconfig and not in a cluster' };
  }
  const caFile = join(serviceAccountDir, 'ca.crt');
  return {
    kind: 'light',
    connection: dropUndefined({
      context: 'inClusterContext',
      server: `https://${host.includes(':') ? `[${host}]` : host}:${port}`,
      ca: existsSync(caFile) ? readFileSync(caFile) : undefined,
      tokenFile,
    }),
  };
}

interface Located {
  value: Json;
  /** Directory of the file that defined it: relative paths in it resolve from there. */
  dir: string;
}

interface Merged {
  currentContext?: string;
  clusters: Map<string, Located>;
  users: Map<string, Located>;
  contexts: Map<string, Located>;
}

/** client-go's merge: the first file to set current-context or to define a name wins. */
export function mergeKubeconfigs(docs: { path: string; doc: Json }[]): Merged {
  const merged: Merged = { clusters: new Map(), users: new Map(), contexts: new Map() };
  for (const { path, doc } of docs) {
    const dir = dirname(path);
    if (!merged.currentContext && typeof doc['current-context'] === 'string' && doc['current-context'])
      merged.currentContext = doc['current-context'];
    for (const [list, field, into] of [
      ['clusters', 'cluster', merged.clusters],
      ['users', 'user', merged.users],
      ['contexts', 'context', merged.contexts],
    ] as const) {
      for (const entry of (doc[list] ?? []) as Json[]) {
        if (typeof entry.name !== 'string' || into.has(entry.name)) continue;
        into.set(entry.name, { value: (entry[field] ?? {}) as Json, dir });
      }
    }
  }
  return merged;
}

function readYaml(path: string): Json {
  const doc = parse(readFileSync(path, 'utf8')) as unknown;
  return doc && typeof doc === 'object' ? (doc as Json) : {};
}

function material(data: unknown, file: unknown, dir: string): Buffer | undefined {
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64');
  if (typeof file === 'string' && file) return readFileSync(resolvePath(file, dir));
  return undefined;
}

const nameIn = (v: unknown): string => (typeof v === 'string' ? v : '');

const resolvePath = (file: string, dir: string) => (isAbsolute(file) ? file : join(dir, file));

function dropUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
