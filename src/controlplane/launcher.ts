// Starts a real Kubernetes control plane on loopback from binaries built by
// hack/controlplane: etcd, kube-apiserver and kube-controller-manager. Used by
// the integration/e2e suites (one per test run) and by `make local-run` when no
// cluster is reachable. Everything binds to 127.0.0.1 on free ports.
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, existsSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createCA, createSigningKey, issueCert, type KeyPairPem } from '../runtime/pki.js';
import { ManagedProcess } from './process.js';
import { Reaper } from './reaper.js';

/** kube-controller-manager controllers the tests and local runs rely on. */
export const DEFAULT_CONTROLLERS = [
  'deployment-controller',
  'replicaset-controller',
  'horizontal-pod-autoscaler-controller',
  'garbage-collector-controller',
  'namespace-controller',
  // Fills in ResourceQuota status.used, which tenant status reports.
  'resourcequota-controller',
];

export interface ControlPlaneOptions {
  /** Directory holding etcd, kube-apiserver, kube-controller-manager (and kubectl). */
  binDir: string;
  /** Scratch directory; a fresh temporary one by default. */
  workDir?: string;
  /** Keep workDir after stop (local runs keep their kubeconfig path stable). */
  keepWorkDir?: boolean;
  /** Set false to run etcd + kube-apiserver only. */
  controllerManager?: boolean;
  controllers?: string[];
  extraApiServerArgs?: string[];
  startTimeoutMs?: number;
  onProgress?: (message: string) => void;
}

interface Pki {
  ca: KeyPairPem;
  serving: KeyPairPem;
  admin: KeyPairPem;
  frontProxyCa: KeyPairPem;
  frontProxyClient: KeyPairPem;
  serviceAccount: { publicKeyPem: string; privateKeyPem: string };
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ControlPlane {
  readonly server: string;
  readonly kubeconfigPath: string;
  readonly logDir: string;
  private readonly etcd: ManagedProcess;
  private readonly apiServer: ManagedProcess;
  private readonly controllerManager: ManagedProcess | undefined;
  private stopped = false;

  private constructor(
    readonly workDir: string,
    readonly etcdUrl: string,
    private readonly etcdPeerPort: number,
    readonly apiServerPort: number,
    private readonly pki: Pki,
    private readonly opts: ControlPlaneOptions,
    private readonly reaper: Reaper,
  ) {
    this.server = `https://127.0.0.1:${apiServerPort}`;
    this.kubeconfigPath = join(workDir, 'kubeconfig');
    this.logDir = join(workDir, 'logs');
    const bin = (name: string) => join(opts.binDir, name);
    const watch = (pid: number) => reaper.watchPid(pid);
    this.etcd = new ManagedProcess(
      'etcd',
      bin('etcd'),
      this.etcdArgs(),
      join(this.logDir, 'etcd.log'),
      watch,
    );
    this.apiServer = new ManagedProcess(
      'kube-apiserver',
      bin('kube-apiserver'),
      this.apiServerArgs(),
      join(this.logDir, 'kube-apiserver.log'),
      watch,
    );
    this.controllerManager =
      opts.controllerManager === false
        ? undefined
        : new ManagedProcess(
            'kube-controller-manager',
            bin('kube-controller-manager'),
            this.controllerManagerArgs(),
            join(this.logDir, 'kube-controller-manager.log'),
            watch,
          );
  }

  static async start(opts: ControlPlaneOptions): Promise<ControlPlane> {
    for (const name of [
      'etcd',
      'kube-apiserver',
      ...(opts.controllerManager === false ? [] : ['kube-controller-manager']),
    ]) {
      if (!existsSync(join(opts.binDir, name))) {
        throw new Error(
          `control plane binary ${join(opts.binDir, name)} is missing; build it with 'make controlplane'`,
        );
      }
    }
    const progress = opts.onProgress ?? (() => undefined);
    const workDir = opts.workDir ?? mkdtempSync(join(tmpdir(), 'prism-cp-'));
    mkdirSync(join(workDir, 'pki'), { recursive: true });
    mkdirSync(join(workDir, 'logs'), { recursive: true });
    const reaper = new Reaper();
    if (!opts.keepWorkDir) reaper.removeDirOnExit(workDir);

    progress('generating certificates');
    const pki = await generatePki();
    const [etcdPort, etcdPeerPort, apiPort] = await Promise.all([freePort(), freePort(), freePort()]);
    const cp = new ControlPlane(
      workDir,
      `http://127.0.0.1:${etcdPort}`,
      etcdPeerPort,
      apiPort,
      pki,
      opts,
      reaper,
    );
    try {
      cp.writeFiles();
      await cp.boot(progress, opts.startTimeoutMs ?? 90_000);
      return cp;
    } catch (err) {
      await cp.stop();
      throw err;
    }
  }

  private get certDir(): string {
    return join(this.workDir, 'pki');
  }

  private file(name: string): string {
    return join(this.certDir, name);
  }

  private writeFiles(): void {
    const p = this.pki;
    const files: Record<string, string> = {
      'ca.crt': p.ca.certPem,
      'apiserver.crt': p.serving.certPem,
      'apiserver.key': p.serving.keyPem,
      'admin.crt': p.admin.certPem,
      'admin.key': p.admin.keyPem,
      'front-proxy-ca.crt': p.frontProxyCa.certPem,
      'front-proxy-client.crt': p.frontProxyClient.certPem,
      'front-proxy-client.key': p.frontProxyClient.keyPem,
      'sa.pub': p.serviceAccount.publicKeyPem,
      'sa.key': p.serviceAccount.privateKeyPem,
    };
    for (const [name, content] of Object.entries(files))
      writeFileSync(this.file(name), content, { mode: 0o600 });
    writeFileSync(this.kubeconfigPath, this.kubeconfig(), { mode: 0o600 });
  }

  /** An admin kubeconfig (client cert in system:masters). */
  kubeconfig(): string {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        {
          name: 'prism-local',
          cluster: { server: this.server, 'certificate-authority-data': b64(this.pki.ca.certPem) },
        },
      ],
      users: [
        {
          name: 'prism-admin',
          user: {
            'client-certificate-data': b64(this.pki.admin.certPem),
            'client-key-data': b64(this.pki.admin.keyPem),
          },
        },
      ],
      contexts: [
        {
          name: 'prism-local',
          context: { cluster: 'prism-local', user: 'prism-admin', namespace: 'default' },
        },
      ],
      'current-context': 'prism-local',
    });
  }

  /** TLS material for talking to the API server directly (tests, probes). */
  get tls(): { ca: string; cert: string; key: string } {
    return { ca: this.pki.ca.certPem, cert: this.pki.admin.certPem, key: this.pki.admin.keyPem };
  }

  private etcdArgs(): string[] {
    const dataDir = join(this.workDir, 'etcd');
    const peer = `http://127.0.0.1:${this.etcdPeerPort}`;
    return [
      `--data-dir=${dataDir}`,
      `--listen-client-urls=${this.etcdUrl}`,
      `--advertise-client-urls=${this.etcdUrl}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=default=${peer}`,
      '--unsafe-no-fsync=true',
      '--log-level=warn',
    ];
  }

  private apiServerArgs(): string[] {
    const f = (n: string) => this.file(n);
    return [
      `--etcd-servers=${this.etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${this.apiServerPort}`,
      `--cert-dir=${this.certDir}`,
      `--tls-cert-file=${f('apiserver.crt')}`,
      `--tls-private-key-file=${f('apiserver.key')}`,
      `--client-ca-file=${f('ca.crt')}`,
      '--authorization-mode=RBAC',
      '--allow-privileged=true',
      // No service-account controller runs, so pods could not be admitted with it on (as envtest).
      '--disable-admission-plugins=ServiceAccount',
      '--service-cluster-ip-range=10.0.0.0/24',
      `--service-account-issuer=${this.server}/`,
      `--service-account-key-file=${f('sa.pub')}`,
      `--service-account-signing-key-file=${f('sa.key')}`,
      // Loopback addresses cannot be published as the kubernetes Service's endpoints.
      '--endpoint-reconciler-type=none',
      // Aggregation layer, so APIService-backed servers (metrics adapters, KEDA) work.
      `--requestheader-client-ca-file=${f('front-proxy-ca.crt')}`,
      '--requestheader-allowed-names=front-proxy-client',
      '--requestheader-username-headers=X-Remote-User',
      '--requestheader-group-headers=X-Remote-Group',
      '--requestheader-extra-headers-prefix=X-Remote-Extra-',
      `--proxy-client-cert-file=${f('front-proxy-client.crt')}`,
      `--proxy-client-key-file=${f('front-proxy-client.key')}`,
      '--profiling=false',
      ...(this.opts.extraApiServerArgs ?? []),
    ];
  }

  private controllerManagerArgs(): string[] {
    return [
      `--kubeconfig=${this.kubeconfigPath}`,
      `--controllers=${(this.opts.controllers ?? DEFAULT_CONTROLLERS).join(',')}`,
      '--leader-elect=false',
      '--use-service-account-credentials=false',
      '--horizontal-pod-autoscaler-sync-period=5s',
      // 0 = no HTTPS endpoint, so no delegated authn/authz config is needed.
      '--secure-port=0',
    ];
  }

  private async boot(progress: (m: string) => void, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    progress(`starting etcd on ${this.etcdUrl}`);
    this.etcd.start();
    await this.waitFor(this.etcd, deadline, () => this.etcdHealthy());
    progress(`starting kube-apiserver on ${this.server}`);
    this.apiServer.start();
    await this.waitFor(this.apiServer, deadline, () => this.apiServerReady());
    if (this.controllerManager) {
      progress('starting kube-controller-manager');
      this.controllerManager.start();
    }
  }

  private async waitFor(
    proc: ManagedProcess,
    deadline: number,
    check: () => Promise<boolean>,
  ): Promise<void> {
    for (;;) {
      if (!proc.running) {
        throw new Error(`${proc.name} exited during start-up; see ${join(this.logDir, proc.name + '.log')}`);
      }
      if (await check()) return;
      if (Date.now() > deadline) {
        throw new Error(`${proc.name} not ready in time; see ${join(this.logDir, proc.name + '.log')}`);
      }
      await sleep(200);
    }
  }

  private etcdHealthy(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = httpRequest(`${this.etcdUrl}/health`, { timeout: 2000 }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  }

  /** GET /readyz with the admin client certificate. */
  apiServerReady(): Promise<boolean> {
    return new Promise((resolve) => {
      const req = httpsRequest(
        `${this.server}/readyz`,
        { ...this.tls, timeout: 2000, agent: false },
        (res) => {
          res.resume();
          resolve(res.statusCode === 200);
        },
      );
      req.on('error', () => resolve(false));
      req.on('timeout', () => req.destroy());
      req.end();
    });
  }

  get pids(): number[] {
    return [this.etcd.pid, this.apiServer.pid, this.controllerManager?.pid].filter(
      (p): p is number => p !== undefined,
    );
  }

  get apiServerRunning(): boolean {
    return this.apiServer.running;
  }

  /** SIGKILL kube-apiserver (fault tests). etcd keeps its data. */
  async killApiServer(): Promise<void> {
    await this.apiServer.kill();
  }

  /** Start kube-apiserver again on the same port and etcd, and wait until ready. */
  async restartApiServer(timeoutMs = 60_000): Promise<void> {
    if (this.apiServer.running) await this.apiServer.stop();
    this.apiServer.start();
    await this.waitFor(this.apiServer, Date.now() + timeoutMs, () => this.apiServerReady());
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const procs = [this.controllerManager, this.apiServer, this.etcd].filter(
      (p): p is ManagedProcess => p !== undefined,
    );
    for (const p of procs) {
      const pid = p.pid;
      await p.stop();
      if (pid !== undefined) this.reaper.forgetPid(pid);
    }
    if (!this.opts.keepWorkDir) rmSync(this.workDir, { recursive: true, force: true });
    this.reaper.close();
  }
}

async function generatePki(): Promise<Pki> {
  const ca = await createCA('prism-local-ca');
  const frontProxyCa = await createCA('prism-local-front-proxy-ca');
  const [serving, admin, frontProxyClient, serviceAccount] = await Promise.all([
    issueCert(ca, {
      commonName: 'kube-apiserver',
      usage: 'server',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
      ipAddresses: ['127.0.0.1', '10.0.0.1'],
    }),
    issueCert(ca, { commonName: 'prism-admin', organizations: ['system:masters'], usage: 'client' }),
    issueCert(frontProxyCa, { commonName: 'front-proxy-client', usage: 'client' }),
    createSigningKey(),
  ]);
  return { ca, serving, admin, frontProxyCa, frontProxyClient, serviceAccount };
}
