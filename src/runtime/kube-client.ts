// A small Kubernetes REST client over node:https, configured from a kubeconfig
// (ours or client-node's, see kubeconfig.ts). The runtime owns its HTTP
// (rather than client-node's generated APIs) for four reasons: raw JSON in and
// out (client-node's model serializer drops fields it has no attribute for),
// keep-alive connection reuse, watch streams with our own inactivity timeout,
// and one place to count requests.
import { Agent, request as httpsRequest, type RequestOptions as HttpsRequestOptions } from 'node:https';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { KubeConfigLike } from './kubeconfig.js';

export type Verb = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const CONTENT_TYPE = {
  json: 'application/json',
  mergePatch: 'application/merge-patch+json',
  jsonPatch: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

export interface KubeRequest {
  method: Verb;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A Kubernetes API error with the Status reason, e.g. NotFound, Conflict, AlreadyExists. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export const isNotFound = (err: unknown): boolean => err instanceof KubeApiError && err.code === 404;
export const isConflict = (err: unknown): boolean => err instanceof KubeApiError && err.code === 409;
export const isGone = (err: unknown): boolean => err instanceof KubeApiError && err.code === 410;

export interface RequestObserver {
  (info: {
    method: Verb;
    path: string;
    query?: KubeRequest['query'];
    code: number;
    durationMs: number;
  }): void;
}

export interface KubeClientOptions {
  userAgent?: string;
  /** Called once per completed request (metrics). */
  observe?: RequestObserver;
  defaultTimeoutMs?: number;
}

interface StatusBody {
  kind?: string;
  reason?: string;
  message?: string;
  details?: unknown;
  code?: number;
}

function buildQuery(query: KubeRequest['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : '';
}

function errorFrom(code: number, text: string): KubeApiError {
  let status: StatusBody = {};
  try {
    status = JSON.parse(text) as StatusBody;
  } catch {
    /* not a Status object */
  }
  const reason = status.reason ?? (code === 404 ? 'NotFound' : code === 409 ? 'Conflict' : 'Unknown');
  return new KubeApiError(
    code,
    reason,
    status.message ?? (text.slice(0, 500) || `HTTP ${code}`),
    status.details,
  );
}

export class KubeClient {
  readonly server: string;
  private readonly userAgent: string;
  private staticHeaders: Record<string, string> | undefined;

  private constructor(
    private readonly kubeConfig: KubeConfigLike,
    private readonly agent: Agent,
    private readonly options: KubeClientOptions,
    private readonly dynamicAuth: boolean,
  ) {
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new Error('the kubeconfig has no current cluster');
    this.server = cluster.server.replace(/\/$/, '');
    this.userAgent = options.userAgent ?? 'prism-operator';
  }

  static async create(kubeConfig: KubeConfigLike, options: KubeClientOptions = {}): Promise<KubeClient> {
    if (!kubeConfig.getCurrentCluster()) throw new Error('the kubeconfig has no current cluster');
    const tls: HttpsRequestOptions = {};
    await kubeConfig.applyToHTTPSOptions(tls);
    // One keep-alive agent for every request, instead of client-node's agent per call.
    const agent = new Agent({
      keepAlive: true,
      maxSockets: 64,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: tls.rejectUnauthorized,
      servername: tls.servername,
    });
    const user = kubeConfig.getCurrentUser();
    const dynamicAuth = Boolean(user?.exec ?? user?.authProvider);
    return new KubeClient(kubeConfig, agent, options, dynamicAuth);
  }

  /** Credential headers; recomputed per request only when a plugin may refresh the token. */
  private async authHeaders(): Promise<Record<string, string>> {
    if (this.staticHeaders && !this.dynamicAuth) return this.staticHeaders;
    const opts: HttpsRequestOptions = { headers: {} };
    await this.kubeConfig.applyToHTTPSOptions(opts);
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.headers ?? {})) {
      if (typeof v === 'string') headers[k] = v;
    }
    if (opts.auth) headers.Authorization = `Basic ${Buffer.from(opts.auth).toString('base64')}`;
    this.staticHeaders = headers;
    return headers;
  }

  private async open(req: KubeRequest, accept = CONTENT_TYPE.json): Promise<IncomingMessage> {
    const url = new URL(this.server + req.path + buildQuery(req.query));
    const body = req.body === undefined ? undefined : JSON.stringify(req.body);
    const headers: Record<string, string> = {
      ...(await this.authHeaders()),
      Accept: accept,
      'User-Agent': this.userAgent,
    };
    if (body !== undefined) {
      headers['Content-Type'] = req.contentType ?? CONTENT_TYPE.json;
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const r = httpsRequest(
        url,
        { method: req.method, headers, agent: this.agent, signal: req.signal },
        resolve,
      );
      r.on('error', reject);
      const timeout = req.timeoutMs ?? this.options.defaultTimeoutMs;
      if (timeout) r.setTimeout(timeout, () => r.destroy(new Error(`request timed out after ${timeout} ms`)));
      r.end(body);
    });
  }

  private observe(req: Pick<KubeRequest, 'method' | 'path' | 'query'>, code: number, started: number): void {
    const { method, path, query } = req;
    this.options.observe?.({ method, path, query, code, durationMs: Date.now() - started });
  }

  /** A JSON request; resolves with the parsed body, rejects with KubeApiError on non-2xx. */
  async request<T = unknown>(req: KubeRequest): Promise<T> {
    const started = Date.now();
    let res: IncomingMessage;
    try {
      res = await this.open(req);
    } catch (err) {
      this.observe(req, 0, started);
      throw err;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const code = res.statusCode ?? 0;
    this.observe(req, code, started);
    if (code < 200 || code >= 300) throw errorFrom(code, text);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Opens a streaming GET (a watch) and calls onLine for every newline-delimited
   * JSON line. Resolves when the server ends the stream; rejects on HTTP errors
   * (KubeApiError) or network errors. `idleTimeoutMs` aborts a stream that has
   * carried no bytes for that long: client-node 1.4 has no working watch timeout.
   */
  async stream(
    req: Omit<KubeRequest, 'method' | 'body'>,
    onLine: (line: string) => void,
    idleTimeoutMs?: number,
  ): Promise<void> {
    const started = Date.now();
    const res = await this.open({ ...req, method: 'GET' });
    const code = res.statusCode ?? 0;
    this.observe({ ...req, method: 'GET' }, code, started);
    if (code < 200 || code >= 300) {
      const chunks: Buffer[] = [];
      for await (const chunk of res) chunks.push(chunk as Buffer);
      throw errorFrom(code, Buffer.concat(chunks).toString('utf8'));
    }
    res.setEncoding('utf8');
    if (idleTimeoutMs) {
      res.socket.setTimeout(idleTimeoutMs, () => {
        res.destroy(new Error(`watch idle for ${idleTimeoutMs} ms`));
      });
    }
    let buffered = '';
    try {
      for await (const chunk of res) {
        buffered += chunk as string;
        let nl: number;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.trim()) onLine(line);
        }
      }
      if (buffered.trim()) onLine(buffered);
    } finally {
      // The socket goes back to the pool; its idle timeout must not follow it.
      // After a clean end the socket is already detached (null), whatever the typings say.
      (res.socket as Socket | null)?.setTimeout(0);
    }
  }

  close(): void {
    this.agent.destroy();
  }
}
