// The admission webhook server: HTTPS on its own port (like controller-runtime's
// 9443), certificate from the operator's own rotator or from mounted files, and
// reloaded in place when it changes.
import type { AddressInfo } from 'node:net';
import type { Logger } from '../runtime/logger.js';
import { RouteServer, type ServingCert } from '../runtime/server.js';
import { CertFiles } from './cert-files.js';
import { CertRotator, type CertRotatorOptions } from './cert-rotator.js';
import { registerWebhooks } from './handlers.js';

export interface WebhookServerOptions {
  host: string;
  port: number;
  log: Logger;
  /** A directory with tls.crt and tls.key (cert-manager), or the operator's own certificates. */
  certs: { dir: string; pollMs?: number } | { rotator: Omit<CertRotatorOptions, 'log'> };
}

interface CertSource {
  start(onCertificate: (cert: ServingCert) => void): Promise<ServingCert>;
  stop(): void;
}

export class WebhookServer {
  private constructor(
    private readonly server: RouteServer,
    private readonly source: CertSource,
    readonly address: AddressInfo,
  ) {}

  static async start(opts: WebhookServerOptions): Promise<WebhookServer> {
    const log = opts.log.child({ component: 'webhook' });
    const source: CertSource =
      'dir' in opts.certs
        ? new CertFiles(opts.certs.dir, log, opts.certs.pollMs)
        : new CertRotator({ ...opts.certs.rotator, log });
    // The callback runs only on later renewals, after `server` exists.
    const server: RouteServer = new RouteServer({
      host: opts.host,
      port: opts.port,
      tls: await source
        .start((cert) => {
          server.setCertificate(cert);
          log.info('webhook server certificate reloaded');
        })
        .catch((err: unknown) => {
          throw new Error(
            `webhook certificate: ${err instanceof Error ? err.message : String(err)} ` +
              '(set --enable-webhooks=false / ENABLE_WEBHOOKS=false to run without admission webhooks)',
            { cause: err },
          );
        }),
    });
    registerWebhooks(server, log);
    try {
      const address = await server.start();
      log.info('webhook server listening', { host: address.address, port: address.port });
      return new WebhookServer(server, source, address);
    } catch (err) {
      source.stop();
      throw err;
    }
  }

  async stop(): Promise<void> {
    this.source.stop();
    await this.server.stop();
  }
}
