// Runs health probes for PrismBackends on its own timers, one schedule per
// backend, so a reconcile never waits on the network: the reconciler hands
// over a plan (ensure) and reads the last reported result (snapshot). A round
// whose outcome differs from the reported one (or one that is due for a
// refresh) replaces it and re-queues the backend through onChange.
import { contentHash } from '../runtime/object-diff.js';
import { formatTime } from '../runtime/microtime.js';
import { healthSignature, type EndpointResult, type HealthSnapshot } from './backend-health.js';
import { probeEndpoint, type Probe, type ProbeTls } from './backend-probe.js';

/** Where the TLS material lives; Secret names only, never their contents. */
export interface TlsPlan {
  serverName?: string;
  insecureSkipVerify?: boolean;
  caSecret?: { name: string; key: string };
  certSecret?: string;
}

export interface ProbePlan {
  namespace: string;
  addresses: string[];
  intervalMs: number;
  timeoutMs: number;
  tls?: TlsPlan;
}

export interface ProberOptions {
  onChange: (key: string) => void;
  probe?: Probe;
  /** Reads the PEM material a TLS probe needs, for that probe only. */
  loadTls?: (namespace: string, tls: TlsPlan) => Promise<ProbeTls>;
  /** A reported result older than this is replaced even if nothing changed, so lastChecked stays recent. */
  refreshMs?: number;
  now?: () => Date;
}

interface Schedule {
  plan: ProbePlan;
  planHash: string;
  timer?: NodeJS.Timeout;
  reported?: HealthSnapshot;
  reportedAt?: number;
}

const DEFAULT_REFRESH_MS = 5 * 60_000;
const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

export class BackendProber {
  private readonly schedules = new Map<string, Schedule>();
  private readonly probe: Probe;
  private readonly now: () => Date;

  constructor(private readonly opts: ProberOptions) {
    this.probe = opts.probe ?? probeEndpoint;
    this.now = opts.now ?? (() => new Date());
  }

  /** Starts probing `key`, or restarts when the plan changed; an unchanged plan keeps its timer. */
  ensure(key: string, plan: ProbePlan): void {
    const planHash = contentHash(plan);
    if (this.schedules.get(key)?.planHash === planHash) return;
    this.stop(key);
    const schedule: Schedule = { plan, planHash };
    this.schedules.set(key, schedule);
    this.schedule(key, schedule, 0);
  }

  stop(key: string): void {
    const s = this.schedules.get(key);
    if (!s) return;
    clearTimeout(s.timer);
    this.schedules.delete(key);
  }

  stopAll(): void {
    for (const key of [...this.schedules.keys()]) this.stop(key);
  }

  /** The result the backend's status reports (undefined before the first round). */
  snapshot(key: string): HealthSnapshot | undefined {
    return this.schedules.get(key)?.reported;
  }

  probing(): string[] {
    return [...this.schedules.keys()];
  }

  private schedule(key: string, s: Schedule, delayMs: number): void {
    s.timer = setTimeout(() => void this.round(key, s), delayMs);
    // Probes never keep the process alive on their own.
    s.timer.unref();
  }

  private async round(key: string, s: Schedule): Promise<void> {
    const endpoints = await this.probeAll(s.plan);
    // Stopped (deleted, disabled, replaced) while the probes ran: the result is nobody's.
    if (this.schedules.get(key) !== s) return;
    const snapshot: HealthSnapshot = { checkedAt: formatTime(this.now()), endpoints };
    const stale =
      s.reportedAt === undefined || Date.now() - s.reportedAt >= (this.opts.refreshMs ?? DEFAULT_REFRESH_MS);
    if (stale || healthSignature(snapshot) !== healthSignature(s.reported)) {
      s.reported = snapshot;
      s.reportedAt = Date.now();
      this.opts.onChange(key);
    }
    this.schedule(key, s, s.plan.intervalMs);
  }

  private async probeAll(plan: ProbePlan): Promise<EndpointResult[]> {
    let tls: ProbeTls | undefined;
    if (plan.tls) {
      try {
        tls = this.opts.loadTls
          ? await this.opts.loadTls(plan.namespace, plan.tls)
          : { serverName: plan.tls.serverName, insecureSkipVerify: plan.tls.insecureSkipVerify };
      } catch (err) {
        const error = `TLS settings unusable: ${errorText(err)}`;
        return plan.addresses.map((address) => ({ address, reachable: false, error }));
      }
    }
    return Promise.all(
      plan.addresses.map((a) => this.probe(a, { timeoutMs: plan.timeoutMs, ...(tls ? { tls } : {}) })),
    );
  }
}
