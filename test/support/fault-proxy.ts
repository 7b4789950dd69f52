// A loopback HTTPS proxy in front of the test API server that answers a
// fraction of write requests itself with 409, 429 or 500 (fault test R4), or
// none (faultRate 0) to log one client's requests apart from others' (R2).
// It presents its own certificate and forwards with the admin identity, so a
// client configured for it needs no credentials. Only this test uses it.
import { createServer, request, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { createCA, issueCert } from '../../src/runtime/pki.js';

export const INJECTED_CODES = [409, 429, 500] as const;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface ProxyRequest {
  method: string;
  path: string;
  /** When the proxy received it (ms since the epoch). */
  at: number;
  /** The status the proxy answered itself, when it injected a fault. */
  injected?: number;
}

export interface FaultProxyOptions {
  upstream: string;
  tls: { ca: string; cert: string; key: string };
  /** Fraction of write requests answered with a fault, 0..1. */
  faultRate: number;
  /** Deterministic choice of which writes fail (default Math.random). */
  random?: () => number;
}

export class FaultProxy {
  readonly log: ProxyRequest[] = [];
  /** Faults are injected only while this is true. */
  injecting = true;
  private nextCode = 0;

  private constructor(
    private readonly server: Server,
    private readonly caPem: string,
    private readonly opts: FaultProxyOptions,
  ) {
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
  }

  static async start(opts: FaultProxyOptions): Promise<FaultProxy> {
    const ca = await createCA('prism-fault-proxy-ca');
    const serving = await issueCert(ca, {
      commonName: 'fault-proxy',
      usage: 'server',
      ipAddresses: ['127.0.0.1'],
    });
    const server = createServer({ cert: serving.certPem, key: serving.keyPem });
    const proxy = new FaultProxy(server, ca.certPem, opts);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `https://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig for the proxy: its CA, no user credentials (the proxy adds them). */
  kubeConfig(): k8s.KubeConfig {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'proxy', server: this.url, caData: Buffer.from(this.caPem).toString('base64') }],
      users: [{ name: 'anonymous' }],
      contexts: [{ name: 'proxy', cluster: 'proxy', user: 'anonymous' }],
      currentContext: 'proxy',
    });
    return kc;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const entry: ProxyRequest = { method, path, at: Date.now() };
    this.log.push(entry);
    if (this.injecting && WRITES.has(method) && (this.opts.random ?? Math.random)() < this.opts.faultRate) {
      const code = INJECTED_CODES[this.nextCode++ % INJECTED_CODES.length]!;
      entry.injected = code;
      req.resume();
      res.writeHead(code, {
        'Content-Type': 'application/json',
        ...(code === 429 ? { 'Retry-After': '1' } : {}),
      });
      res.end(
        JSON.stringify({
          kind: 'Status',
          apiVersion: 'v1',
          status: 'Failure',
          code,
          message: `injected ${code}`,
        }),
      );
      return;
    }
    const headers = { ...req.headers };
    delete headers.host;
    const upstream = request(
      this.opts.upstream + path,
      { method, headers, ...this.opts.tls, agent: false },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }

  writes(filter: (r: ProxyRequest) => boolean = () => true): ProxyRequest[] {
    return this.log.filter((r) => WRITES.has(r.method) && filter(r));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
