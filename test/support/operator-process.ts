// The real operator CLI as a child process (benchmarks and fault tests): its
// RSS is honest, it can be SIGKILLed, and its /metrics is scraped over HTTP.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { freePort } from '../../src/controlplane/launcher.js';
import { repoRoot } from './paths.js';
import { eventually } from './wait.js';

export interface OperatorProcessOptions {
  kubeconfigPath: string;
  /** Extra CLI flags, e.g. --leader-elect=false. */
  args?: string[];
  env?: Record<string, string>;
  /** Run the compiled dist/cli/main.js (make build) instead of the TypeScript source through tsx. */
  compiled?: boolean;
  /** Another build output directory inside the repository (e.g. an earlier build, for before/after figures). */
  distDir?: string;
  nodeArgs?: string[];
}

export class OperatorProcess {
  readonly exited: Promise<number | null>;
  private out = '';
  exitCode: number | null | undefined;

  private constructor(
    readonly proc: ChildProcess,
    readonly metricsPort: number,
  ) {
    proc.stdout?.on('data', (d: Buffer) => this.append(d));
    proc.stderr?.on('data', (d: Buffer) => this.append(d));
    this.exited = new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve(code);
      }),
    );
  }

  static async start(opts: OperatorProcessOptions): Promise<OperatorProcess> {
    const port = await freePort();
    const dist = join(opts.distDir ?? join(repoRoot, 'dist'), 'cli', 'main.js');
    if (opts.compiled && !existsSync(dist)) throw new Error(`${dist} is missing; run 'make build'`);
    const entry = opts.compiled
      ? [...(opts.nodeArgs ?? []), dist]
      : [...(opts.nodeArgs ?? []), '--import', 'tsx', join(repoRoot, 'src', 'cli', 'main.ts')];
    const proc = spawn(
      process.execPath,
      [...entry, `--http-bind-address=127.0.0.1:${port}`, ...(opts.args ?? [])],
      {
        cwd: repoRoot,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          KUBECONFIG: opts.kubeconfigPath,
          LOG_LEVEL: 'warn',
          BACKEND_PROBE_LOOPBACK_ONLY: 'true', // tests send nothing beyond 127.0.0.1
          ENABLE_WEBHOOKS: 'false', // the webhook tests serve them on purpose
          ...opts.env,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return new OperatorProcess(proc, port);
  }

  // Keeps the tail only: a long run logs a lot, and only the end explains a failure.
  private append(d: Buffer): void {
    this.out = (this.out + d.toString()).slice(-64 * 1024);
  }

  get output(): string {
    return this.out;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** The Prometheus text from /metrics; retried, since a busy operator can be slow to answer. */
  async metricsText(attempts = 3): Promise<string> {
    for (let i = 1; ; i++) {
      try {
        return await this.scrape();
      } catch (err) {
        if (i >= attempts || !this.running) throw err;
      }
    }
  }

  private scrape(): Promise<string> {
    return new Promise((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: this.metricsPort, path: '/metrics', timeout: 30_000 },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve(body));
        },
      );
      req.on('error', reject);
      req.on('timeout', () => req.destroy(new Error('metrics request timed out')));
      req.end();
    });
  }

  /** Sum of a metric's samples whose labels include `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    return sumSamples(await this.metricsText(), name, labels);
  }

  /** Waits until the metrics endpoint answers (the manager has started). */
  async ready(timeoutMs = 60_000): Promise<void> {
    await eventually(
      async () => {
        if (!this.running) throw new Error(`the operator exited:\n${this.out}`);
        return (await this.metricsText(1)).length > 0;
      },
      { timeoutMs, what: 'the operator metrics endpoint' },
    );
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.running) this.proc.kill(signal);
    return this.exited;
  }
}

/** Sums the samples of one metric in Prometheus text format, filtered by labels. */
export function sumSamples(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1]!, l[2]!]),
    );
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) sum += Number(m[3]);
  }
  return sum;
}
