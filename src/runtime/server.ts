// The operator's one HTTP server: health and readiness probes, Prometheus
// metrics, and routes other parts register (webhooks, status API).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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

export class HttpServer {
  private readonly routes = new Map<string, Handler>();
  private readonly prefixes: { method: string; prefix: string; handler: Handler }[] = [];
  private server: Server | undefined;

  constructor(private readonly opts: HealthServerOptions) {
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

  /** The address the server binds to, as configured. */
  get host(): string {
    return this.opts.host;
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
    const server = createServer((req, res) => {
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
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, resolve);
    });
    return server.address() as AddressInfo;
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

function send(res: ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
