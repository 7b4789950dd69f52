// The operator's HTTP servers: one for health and readiness probes and Prometheus
// metrics, and, over TLS, one for the admission webhooks (the API server calls
// webhooks over HTTPS only). Both route by method and path.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface HealthServerOptions {
  host: string;
  port: number;
  registry: Registry;
  /** Ready when caches have synced (leader or standby alike). */
  ready: () => boolean;
  healthy?: () => boolean;
}

export function parseBindAddress(addr: string): { host: string; port: number } {
  const i = addr.lastIndexOf(':');
  const host = i <= 0 ? '0.0.0.0' : addr.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid bind address ${addr}`);
  return { host, port };
}

/** A certificate and its private key, PEM. */
export interface ServingCert {
  certPem: string;
  keyPem: string;
}

export interface RouteServerOptions {
  host: string;
  port: number;
  /** Serve HTTPS with this certificate; replace it later with setCertificate(). */
  tls?: ServingCert;
}

/** A server of registered routes, plain or TLS. */
export class RouteServer {
  private readonly routes = new Map<string, Handler>();
  private readonly prefixes: { method: string; prefix: string; handler: Handler }[] = [];
  private server: Server | TlsServer | undefined;

  constructor(private readonly listen: RouteServerOptions) {}

  /** The address the server binds to, as configured. */
  get host(): string {
    return this.listen.host;
  }

  route(method: string, path: string, handler: Handler): void {
    this.routes.set(`${method} ${path}`, handler);
  }

  /** Serves every path under `prefix` (which ends in '/') not matched by an exact route. */
  routePrefix(method: string, prefix: string, handler: Handler): void {
    this.prefixes.push({ method, prefix, handler });
  }

  /** Wraps an existing route's handler, e.g. to put an access check in front of /metrics. */
  wrap(method: string, path: string, wrapper: (inner: Handler) => Handler): void {
    const inner = this.routes.get(`${method} ${path}`);
    if (!inner) throw new Error(`no route ${method} ${path} to wrap`);
    this.routes.set(`${method} ${path}`, wrapper(inner));
  }

  private handlerFor(method: string, path: string): Handler | undefined {
    return (
      this.routes.get(`${method} ${path}`) ??
      this.prefixes.find((p) => p.method === method && path.startsWith(p.prefix))?.handler
    );
  }

  async start(): Promise<AddressInfo> {
    const dispatch = (req: IncomingMessage, res: ServerResponse) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const handler = this.handlerFor(req.method ?? 'GET', url.pathname);
      if (!handler) {
        send(res, 404, 'not found');
        return;
      }
      Promise.resolve(handler(req, res, url)).catch((err: unknown) => {
        if (!res.headersSent) send(res, 500, err instanceof Error ? err.message : 'internal error');
        else res.destroy();
      });
    };
    const tls = this.listen.tls;
    const server = tls
      ? createTlsServer({ cert: tls.certPem, key: tls.keyPem, minVersion: 'TLSv1.2' }, dispatch)
      : createServer(dispatch);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.listen.port, this.listen.host, resolve);
    });
    return server.address() as AddressInfo;
  }

  /** New connections use this certificate; open ones keep theirs. No restart, no dropped requests. */
  setCertificate(cert: ServingCert): void {
    const server = this.server;
    if (!server || !('setSecureContext' in server)) throw new Error('not a TLS server, or not started');
    server.setSecureContext({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.2' });
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
}

/** /healthz, /readyz and /metrics. */
export class HttpServer extends RouteServer {
  constructor(opts: HealthServerOptions) {
    super({ host: opts.host, port: opts.port });
    this.route('GET', '/healthz', (_req, res) => {
      const ok = opts.healthy?.() ?? true;
      send(res, ok ? 200 : 500, ok ? 'ok' : 'unhealthy');
    });
    this.route('GET', '/readyz', (_req, res) => {
      const ok = opts.ready();
      send(res, ok ? 200 : 503, ok ? 'ok' : 'caches not synced');
    });
    this.route('GET', '/metrics', async (_req, res) => {
      const body = await opts.registry.metrics();
      res.writeHead(200, { 'Content-Type': opts.registry.contentType });
      res.end(body);
    });
  }
}

function send(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
