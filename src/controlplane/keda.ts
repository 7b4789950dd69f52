// Runs real KEDA (operator, metrics adapter and, when built, admission
// webhooks) as local processes against a control plane from launcher.ts, the
// way KEDA's BUILD.md runs it outside a cluster. Binaries come from
// hack/keda/build.sh (bin/keda-*), CRDs from the same pinned module. Everything
// binds to 127.0.0.1 on free ports; the aggregator and the API server reach the
// adapter and the webhooks through localhost (see aggregated-api.ts).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { createCA, issueCert, type KeyPairPem } from '../runtime/pki.js';
import { aggregatedApiObjects, apiServiceName, EXTERNAL_METRICS, serviceDnsName } from './aggregated-api.js';
import { kedaCrdDir } from './keda-crds.js';
import { applyObjects, kubectlFor, type Kubectl } from './kubectl.js';
import { freePort, type ControlPlane } from './launcher.js';
import { ManagedProcess } from './process.js';
import { Reaper } from './reaper.js';

export const KEDA_NAMESPACE = 'keda';
export const KEDA_BINARIES = ['keda-operator', 'keda-adapter', 'keda-webhooks'] as const;
/** The binaries KEDA cannot scale without; the webhooks are optional. */
const REQUIRED = ['keda-operator', 'keda-adapter'];
const ADAPTER_SERVICE = { namespace: KEDA_NAMESPACE, serviceName: 'keda-metrics-apiserver' };
const WEBHOOK_SERVICE = { namespace: KEDA_NAMESPACE, serviceName: 'keda-admission-webhooks' };
const FIELD_MANAGER = 'prism-local-keda';

export interface KedaOptions {
  binDir: string;
  /** Run the admission webhooks when bin/keda-webhooks exists (default true). */
  webhooks?: boolean;
  startTimeoutMs?: number;
  onProgress?: (message: string) => void;
}

/** True when the operator and the adapter are built (`make keda`). */
export function kedaBinariesPresent(binDir: string): boolean {
  return REQUIRED.every((name) => existsSync(join(binDir, name)));
}

interface Ports {
  grpc: number;
  operatorMetrics: number;
  operatorProbe: number;
  adapter: number;
  adapterMetrics: number;
  webhooks: number;
  webhooksMetrics: number;
  webhooksProbe: number;
}

export class Keda {
  private readonly processes: ManagedProcess[] = [];
  private stopped = false;

  private constructor(
    private readonly cp: ControlPlane,
    private readonly kubectl: Kubectl,
    private readonly opts: KedaOptions,
    private readonly ports: Ports,
    private readonly certDir: string,
    private readonly reaper: Reaper,
  ) {}

  /** Installs KEDA's CRDs, namespace, certificates and APIService, then starts its processes. */
  static async start(cp: ControlPlane, opts: KedaOptions): Promise<Keda> {
    const missing = REQUIRED.filter((name) => !existsSync(join(opts.binDir, name)));
    if (missing.length) {
      throw new Error(
        `KEDA binaries ${missing.join(', ')} are missing in ${opts.binDir}; build them with 'make keda'`,
      );
    }
    const progress = opts.onProgress ?? (() => undefined);
    const kubectl = kubectlFor(opts.binDir, cp.kubeconfigPath);
    const certDir = join(cp.workDir, 'keda', 'certs');
    mkdirSync(certDir, { recursive: true });
    const ports = await allocatePorts();
    const keda = new Keda(cp, kubectl, opts, ports, certDir, new Reaper());
    try {
      progress("installing KEDA's CRDs");
      await keda.installCrds();
      const ca = await writeCertificates(certDir);
      await applyObjects(kubectl, FIELD_MANAGER, [
        { apiVersion: 'v1', kind: 'Namespace', metadata: { name: KEDA_NAMESPACE } },
        ...aggregatedApiObjects({ ...EXTERNAL_METRICS, ...ADAPTER_SERVICE, port: ports.adapter, caPem: ca }),
      ]);
      progress('starting keda-operator and keda-adapter');
      keda.startOperator();
      keda.startAdapter();
      if (opts.webhooks !== false && existsSync(join(opts.binDir, 'keda-webhooks'))) {
        progress('starting keda-webhooks');
        keda.startWebhooks();
        await keda.registerWebhooks(ca);
      }
      await keda.waitAvailable(opts.startTimeoutMs ?? 120_000);
      return keda;
    } catch (err) {
      await keda.stop();
      throw err;
    }
  }

  /** Where each KEDA process writes its log. */
  get logDir(): string {
    return this.cp.logDir;
  }

  private async installCrds(): Promise<void> {
    const dir = await kedaCrdDir();
    const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
    await this.kubectl(
      'apply',
      '--server-side',
      '--force-conflicts',
      `--field-manager=${FIELD_MANAGER}`,
      ...files.flatMap((f) => ['-f', join(dir, f)]),
    );
    const names = files.map((f) => {
      const [group, plural] = f.replace(/\.yaml$/, '').split('_');
      return `crd/${plural}.${group}`;
    });
    await this.kubectl('wait', '--for=condition=Established', '--timeout=60s', ...names);
  }

  private spawn(name: string, args: string[]): void {
    const kubeconfig = this.cp.kubeconfigPath;
    const proc = new ManagedProcess(
      name,
      join(this.opts.binDir, name),
      args,
      join(this.cp.logDir, `${name}.log`),
      (pid) => this.reaper.watchPid(pid),
      {
        KUBECONFIG: kubeconfig,
        WATCH_NAMESPACE: '',
        POD_NAMESPACE: KEDA_NAMESPACE,
        KEDA_CLUSTER_OBJECT_NAMESPACE: KEDA_NAMESPACE,
      },
    );
    proc.start();
    this.processes.push(proc);
  }

  private startOperator(): void {
    const p = this.ports;
    this.spawn('keda-operator', [
      `--metrics-bind-address=127.0.0.1:${p.operatorMetrics}`,
      `--health-probe-bind-address=127.0.0.1:${p.operatorProbe}`,
      `--metrics-service-bind-address=127.0.0.1:${p.grpc}`,
      `--cert-dir=${this.certDir}`,
      `--ca-dir=${this.certDir}`,
      '--enable-cert-rotation=false',
      '--leader-elect=false',
      '--zap-log-level=info',
    ]);
  }

  private startAdapter(): void {
    const kubeconfig = this.cp.kubeconfigPath;
    const p = this.ports;
    this.spawn('keda-adapter', [
      `--secure-port=${p.adapter}`,
      '--bind-address=127.0.0.1',
      // The serving pair; the gRPC client to the operator reads ca.crt/tls.* from cert-dir.
      `--cert-dir=${this.certDir}`,
      `--tls-cert-file=${join(this.certDir, 'tls.crt')}`,
      `--tls-private-key-file=${join(this.certDir, 'tls.key')}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      `--lister-kubeconfig=${kubeconfig}`,
      `--metrics-service-address=127.0.0.1:${p.grpc}`,
      `--port=${p.adapterMetrics}`,
      '--zap-log-level=info',
    ]);
  }

  private startWebhooks(): void {
    const p = this.ports;
    this.spawn('keda-webhooks', [
      `--port=${p.webhooks}`,
      `--cert-dir=${this.certDir}`,
      `--metrics-bind-address=127.0.0.1:${p.webhooksMetrics}`,
      `--health-probe-bind-address=127.0.0.1:${p.webhooksProbe}`,
      // A ScaledObject applied right after its Deployment must not be refused on a cache miss.
      '--cache-miss-to-direct-client=true',
      '--zap-log-level=info',
    ]);
  }

  /** KEDA's own ValidatingWebhookConfiguration, pointed at https://localhost:<port>. */
  private async registerWebhooks(caPem: string): Promise<void> {
    const dir = resolve(await kedaCrdDir(), '..', '..', 'webhooks');
    const config = parse(readFileSync(join(dir, 'validation_webhooks.yaml'), 'utf8')) as {
      webhooks: { clientConfig: { service?: { path?: string }; url?: string; caBundle?: string } }[];
    };
    for (const w of config.webhooks) {
      const path = w.clientConfig.service?.path ?? '/';
      w.clientConfig = {
        url: `https://localhost:${this.ports.webhooks}${path}`,
        caBundle: Buffer.from(caPem).toString('base64'),
      };
    }
    await applyObjects(this.kubectl, FIELD_MANAGER, [config]);
  }

  private async waitAvailable(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const dead = this.processes.find((p) => !p.running);
      if (dead)
        throw new Error(`${dead.name} exited during start-up; see ${join(this.logDir, dead.name + '.log')}`);
      const status = await this.kubectl(
        'get',
        'apiservice',
        apiServiceName(EXTERNAL_METRICS),
        '-o',
        'jsonpath={.status.conditions[?(@.type=="Available")].status}',
      ).catch(() => '');
      if (status === 'True') return;
      if (Date.now() > deadline) {
        throw new Error(
          `KEDA's metrics adapter did not become Available in time; see ${join(this.logDir, 'keda-adapter.log')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  get pids(): number[] {
    return this.processes.map((p) => p.pid).filter((p): p is number => p !== undefined);
  }

  /** Stops the processes and removes the APIService, so the control plane can serve another adapter. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.kubectl(
      'delete',
      '--ignore-not-found',
      '--wait=false',
      'apiservice',
      apiServiceName(EXTERNAL_METRICS),
    ).catch(
      () => undefined, // the control plane may be gone already
    );
    await this.kubectl(
      'delete',
      '--ignore-not-found',
      'validatingwebhookconfiguration',
      'keda-admission',
    ).catch(() => undefined);
    for (const p of [...this.processes].reverse()) {
      const pid = p.pid;
      await p.stop();
      if (pid !== undefined) this.reaper.forgetPid(pid);
    }
    this.reaper.close();
  }
}

/**
 * For `make local-run`: starts KEDA on the embedded control plane when its
 * binaries are built, and says how to get them otherwise. Resolves with the
 * running KEDA (stop it before the control plane) or undefined.
 */
export async function startKedaIfBuilt(cp: ControlPlane, opts: KedaOptions): Promise<Keda | undefined> {
  const progress = opts.onProgress ?? (() => undefined);
  if (!kedaBinariesPresent(opts.binDir)) {
    progress(
      `KEDA is not built in ${opts.binDir}; run 'make keda' (or WITH_KEDA=1) to scale with KEDA locally`,
    );
    return undefined;
  }
  return Keda.start(cp, opts);
}

async function allocatePorts(): Promise<Ports> {
  const [
    grpc,
    operatorMetrics,
    operatorProbe,
    adapter,
    adapterMetrics,
    webhooks,
    webhooksMetrics,
    webhooksProbe,
  ] = await Promise.all(Array.from({ length: 8 }, () => freePort()));
  return {
    grpc: grpc!,
    operatorMetrics: operatorMetrics!,
    operatorProbe: operatorProbe!,
    adapter: adapter!,
    adapterMetrics: adapterMetrics!,
    webhooks: webhooks!,
    webhooksMetrics: webhooksMetrics!,
    webhooksProbe: webhooksProbe!,
  };
}

/**
 * One CA and one certificate (server and client) for every KEDA endpoint: the
 * adapter's serving cert, the webhooks', and both ends of the operator's mutual
 * TLS gRPC metrics service, as KEDA's own cert rotation would issue. Returns the CA.
 */
async function writeCertificates(dir: string): Promise<string> {
  const ca = await createCA('prism-local-keda-ca');
  const pair: KeyPairPem = await issueCert(ca, {
    commonName: 'keda',
    usage: 'both',
    dnsNames: ['localhost', serviceDnsName(ADAPTER_SERVICE), serviceDnsName(WEBHOOK_SERVICE)],
    ipAddresses: ['127.0.0.1'],
  });
  writeFileSync(join(dir, 'ca.crt'), ca.certPem, { mode: 0o600 });
  writeFileSync(join(dir, 'tls.crt'), pair.certPem, { mode: 0o600 });
  writeFileSync(join(dir, 'tls.key'), pair.keyPem, { mode: 0o600 });
  return ca.certPem;
}
