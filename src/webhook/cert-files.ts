// The webhook's certificate from files (tls.crt, tls.key), as mounted from a
// cert-manager Certificate's Secret. Kubelet swaps the files when cert-manager
// renews; polling their contents sees that whatever the volume's symlink layout.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../runtime/logger.js';
import type { ServingCert } from '../runtime/server.js';

export class CertFiles {
  private timer: NodeJS.Timeout | undefined;
  private current: ServingCert | undefined;

  constructor(
    private readonly dir: string,
    private readonly log: Logger,
    private readonly pollMs = 10_000,
  ) {}

  private async read(): Promise<ServingCert> {
    const [certPem, keyPem] = await Promise.all([
      readFile(join(this.dir, 'tls.crt'), 'utf8'),
      readFile(join(this.dir, 'tls.key'), 'utf8'),
    ]);
    return { certPem, keyPem };
  }

  /** Reads the files (failing when they are missing) and watches them for rotation. */
  async start(onCertificate: (cert: ServingCert) => void): Promise<ServingCert> {
    const first = await this.read();
    this.current = first;
    this.timer = setInterval(() => {
      this.read()
        .then((cert) => {
          if (cert.certPem === this.current?.certPem && cert.keyPem === this.current.keyPem) return;
          onCertificate(cert);
          this.current = cert;
          this.log.info('loaded rotated webhook certificate', { dir: this.dir });
        })
        .catch((err: unknown) => {
          // Mid-rotation the pair can be briefly inconsistent or absent: keep serving the old one.
          this.log.warn('cannot load webhook certificate; keeping the current one', {
            dir: this.dir,
            error: String(err),
          });
        });
    }, this.pollMs);
    this.timer.unref();
    return first;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
