// One health probe: a TCP connect to host:port, plus a TLS handshake when the
// backend uses TLS, bounded by a timeout. The only network I/O of the
// PrismBackend controller; errors are reported by their message, which never
// carries credentials (none are sent).
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { parseHostPort } from '../resources/backend.js';
import type { EndpointResult } from './backend-health.js';

export interface ProbeTls {
  serverName?: string;
  insecureSkipVerify?: boolean;
  /** PEM, read from the CA Secret just for this probe and never kept. */
  ca?: string;
  cert?: string;
  key?: string;
}

export interface ProbeOptions {
  timeoutMs: number;
  tls?: ProbeTls;
}

export type Probe = (address: string, opts: ProbeOptions) => Promise<EndpointResult>;

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Connects (and handshakes) once; resolves with the result, never rejects. */
export const probeEndpoint: Probe = (address, opts) => {
  const target = parseHostPort(address);
  if (!target) return Promise.resolve({ address, reachable: false, error: 'not a host:port address' });
  const started = performance.now();
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    let settled = false;
    const finish = (error?: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      const latencyMs = Math.round(performance.now() - started);
      resolve(
        error === undefined ? { address, reachable: true, latencyMs } : { address, reachable: false, error },
      );
    };
    const timer = setTimeout(() => finish(`no answer within ${opts.timeoutMs} ms`), opts.timeoutMs);
    try {
      if (opts.tls) {
        const t = opts.tls;
        // SNI takes names only; an IP address is verified against the certificate's IP SANs instead.
        const servername = t.serverName ?? (isIP(target.host) ? undefined : target.host);
        socket = tlsConnect({
          host: target.host,
          port: target.port,
          ...(servername ? { servername } : {}),
          rejectUnauthorized: t.insecureSkipVerify !== true,
          ...(t.ca ? { ca: t.ca } : {}),
          ...(t.cert && t.key ? { cert: t.cert, key: t.key } : {}),
        });
        socket.once('secureConnect', () => finish());
      } else {
        socket = tcpConnect({ host: target.host, port: target.port });
        socket.once('connect', () => finish());
      }
      socket.once('error', (err) => finish(errorText(err)));
    } catch (err) {
      finish(errorText(err));
    }
  });
};

const LOOPBACK_NAMES = new Set(['localhost', '::1']);

/** Whether a host is this machine's loopback: 127.0.0.0/8, ::1 or localhost (resolved from /etc/hosts). */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * A probe that reaches loopback addresses only: no DNS query and no packet leaves the machine
 * (sandboxed test runs and air-gapped local runs). Other addresses are reported as not probed.
 */
export function loopbackOnly(probe: Probe): Probe {
  return (address, opts) => {
    const target = parseHostPort(address);
    if (target && isLoopbackHost(target.host)) return probe(address, opts);
    return Promise.resolve({
      address,
      reachable: false,
      error: 'not probed: --backend-probe-loopback-only allows loopback addresses only',
    });
  };
}
