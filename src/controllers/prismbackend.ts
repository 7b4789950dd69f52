// The PrismBackend reconciler, as a checklist: validate the spec, publish the
// connection ConfigMap, check the Secrets it names (key names only), hand the
// health check its plan (probes run on their own timers, never in a
// reconcile), and write status only when it changed.
import { PrismBackendSpec, type PrismBackendStatus } from '../api/v1alpha1/prismbackend.js';
import { schemaProblems } from '../api/v1alpha1/validate.js';
import { getCondition, setCondition, type Condition } from '../runtime/conditions.js';
import { regardingOf } from '../runtime/events.js';
import type { Manager, ReconcileContext, ReconcileResult, Reconciler } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';
import { toControllerOwner } from '../runtime/owners.js';
import {
  BACKEND_COMPONENT,
  connectionConfigMapFor,
  connectionConfigMapName,
  durationMs,
  probeAddresses,
  tlsEnabled,
} from '../resources/backend.js';
import { MANAGED_SELECTOR, ownerOf } from '../resources/meta.js';
import {
  decideBackendPhase,
  decideReachability,
  healthyOf,
  type HealthSnapshot,
  type Verdict,
} from './backend-health.js';
import { loopbackOnly, probeEndpoint, type Probe } from './backend-probe.js';
import { BackendProber, type ProbePlan } from './backend-prober.js';
import { BACKENDS_CACHE, backendsReferencing, watchBackends, type PrismBackend } from './backend-refs.js';
import {
  SECRETS_CACHE,
  loadProbeTls,
  secretProblem,
  watchSecrets,
  type SecretKeys,
} from './backend-secrets.js';
import { RESOURCES } from './resources.js';

const CONFIGMAPS_CACHE = 'backend-configmaps';
const DEFAULT_INTERVAL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 5_000;

export interface BackendSetupOptions {
  /** Replaces the TCP/TLS probe (tests of the scheduler). */
  probe?: Probe;
  /** Probe loopback addresses only (no DNS, nothing leaves the machine). */
  loopbackOnly?: boolean;
  /** How long an unchanged health result stands before it is re-reported (default 5 min). */
  healthRefreshMs?: number;
}

/** Registers the PrismBackend watches (backends, their ConfigMaps, Secret key names) and reconciler. */
export function setupPrismBackend(mgr: Manager, opts: BackendSetupOptions = {}): PrismBackendReconciler {
  watchBackends(mgr, true);
  mgr.watch(CONFIGMAPS_CACHE, {
    resource: RESOURCES.configMap,
    labelSelector: `${MANAGED_SELECTOR},app.kubernetes.io/name=${BACKEND_COMPONENT}`,
    map: toControllerOwner('PrismBackend', RESOURCES.prismBackend.group),
  });
  watchSecrets(mgr, (ns, secret) => backendsReferencing(mgr, ns, secret));
  const reconciler = new PrismBackendReconciler(mgr, opts);
  mgr.register(reconciler);
  return reconciler;
}

export class PrismBackendReconciler implements Reconciler {
  readonly kind = 'PrismBackend';
  readonly prober: BackendProber;
  private signal: AbortSignal | undefined;

  constructor(
    private readonly mgr: Manager,
    opts: BackendSetupOptions = {},
  ) {
    this.prober = new BackendProber({
      onChange: (key) => mgr.enqueue(key),
      loadTls: (ns, tls) => loadProbeTls(mgr, ns, tls),
      ...(opts.probe || opts.loopbackOnly
        ? { probe: opts.loopbackOnly ? loopbackOnly(opts.probe ?? probeEndpoint) : opts.probe }
        : {}),
      ...(opts.healthRefreshMs !== undefined ? { refreshMs: opts.healthRefreshMs } : {}),
    });
  }

  /** Stops every probe (the manager stopped or leadership went). */
  stop(): void {
    this.prober.stopAll();
  }

  async reconcile(ctx: ReconcileContext): Promise<ReconcileResult | undefined> {
    this.stopProbesWith(ctx.signal);
    const backend = this.mgr.cache<PrismBackend>(BACKENDS_CACHE).get(ctx.namespace, ctx.name);
    // Deleted: the owner reference lets the garbage collector remove the ConfigMap.
    if (!backend || backend.metadata.deletionTimestamp) {
      this.prober.stop(ctx.key);
      return undefined;
    }
    const problems = schemaProblems(PrismBackendSpec, backend.spec);
    if (problems.length) {
      this.prober.stop(ctx.key);
      const invalid = {
        reason: 'InvalidSpec',
        message: problems.map((p) => `${p.path}: ${p.message}`).join('; '),
      };
      await this.writeStatus(ctx, backend, { invalid, reachable: notChecked() });
      return undefined;
    }
    await this.applyConfigMap(ctx, backend);
    const invalid = secretProblem(backend.spec, ctx.namespace, (name) =>
      this.mgr.cache<SecretKeys>(SECRETS_CACHE).get(ctx.namespace, name),
    );
    const health = this.health(ctx, backend);
    await this.writeStatus(ctx, backend, { invalid, ...health });
    return undefined;
  }

  /** Step: the connection ConfigMap (non-secret settings only). */
  private async applyConfigMap(ctx: ReconcileContext, backend: PrismBackend): Promise<void> {
    const desired = connectionConfigMapFor(ownerOf(backend), backend.spec);
    const current = this.mgr.cache<Obj>(CONFIGMAPS_CACHE).get(ctx.namespace, desired.metadata.name);
    const { changed } = await this.mgr.applier.apply(desired, current, ctx.writes);
    if (changed)
      ctx.changes.add(backend, current ? 'Updated' : 'Created', `ConfigMap ${desired.metadata.name}`);
  }

  /** Step: keep the probe schedule in line with the spec; read the last reported result. */
  private health(
    ctx: ReconcileContext,
    backend: PrismBackend,
  ): { reachable: Verdict; snapshot?: HealthSnapshot } {
    const spec = backend.spec;
    const enabled = spec.healthCheck?.enabled !== false;
    const addresses = probeAddresses(spec);
    if (!enabled || addresses.length === 0) {
      this.prober.stop(ctx.key);
      return { reachable: decideReachability({ enabled, addresses: addresses.length }) };
    }
    this.prober.ensure(ctx.key, probePlan(ctx.namespace, spec, addresses));
    const snapshot = this.prober.snapshot(ctx.key);
    const reachable = decideReachability({ enabled, addresses: addresses.length, snapshot });
    return snapshot ? { reachable, snapshot } : { reachable };
  }

  /** Step: phase, conditions and health, patched only when they changed; failures warn on transition. */
  private async writeStatus(
    ctx: ReconcileContext,
    backend: PrismBackend,
    o: { invalid?: { reason: string; message: string }; reachable: Verdict; snapshot?: HealthSnapshot },
  ): Promise<void> {
    const configMap = connectionConfigMapName(backend.metadata.name);
    const verdict = decideBackendPhase({ ...o, configMap });
    const generation = backend.metadata.generation ?? 0;
    const now = new Date();
    const previous: Condition[] | undefined = backend.status?.conditions;
    let conditions = setCondition(
      previous,
      { type: 'Ready', ...verdict.ready, observedGeneration: generation },
      now,
    );
    conditions = setCondition(
      conditions,
      { type: 'BackendReachable', ...o.reachable, observedGeneration: generation },
      now,
    );
    // Warn when a failure starts or changes, once per reason (Ready repeats BackendReachable's).
    const warned = new Set<string>();
    for (const type of ['Ready', 'BackendReachable']) {
      const next = getCondition(conditions, type)!;
      const before = getCondition(previous, type);
      const news = before?.status !== 'False' || before.reason !== next.reason;
      if (next.status === 'False' && news && !warned.has(next.reason)) {
        warned.add(next.reason);
        this.event(backend, 'Warning', next.reason, next.message);
      }
    }
    const status: PrismBackendStatus = {
      phase: verdict.phase,
      observedGeneration: generation,
      conditions,
    };
    if (!o.invalid || o.invalid.reason !== 'InvalidSpec') status.connectionConfigMap = configMap;
    const healthy = healthyOf(o.reachable);
    if (healthy !== undefined) status.healthy = healthy;
    if (o.snapshot) {
      status.lastChecked = o.snapshot.checkedAt;
      status.endpoints = o.snapshot.endpoints;
    }
    const written = await this.mgr.applier.patchStatus(backend, status, ctx.writes);
    if (written) ctx.log.debug('status written', { phase: status.phase, healthy: status.healthy });
  }

  private event(backend: PrismBackend, type: 'Normal' | 'Warning', reason: string, note: string): void {
    void this.mgr.recorder.event(regardingOf(backend), { type, reason, action: 'Reconcile', note });
  }

  /** Probes stop with leadership: a standby must not keep dialling backends. */
  private stopProbesWith(signal: AbortSignal): void {
    if (this.signal === signal) return;
    this.signal = signal;
    signal.addEventListener('abort', () => this.prober.stopAll(), { once: true });
  }
}

function notChecked(): Verdict {
  return { status: 'Unknown', reason: 'InvalidSpec', message: 'not checked while the spec is invalid' };
}

/** What the prober needs: addresses, schedule and where the TLS material is (Secret names only). */
export function probePlan(namespace: string, spec: PrismBackendSpec, addresses: string[]): ProbePlan {
  const hc = spec.healthCheck ?? {};
  const plan: ProbePlan = {
    namespace,
    addresses,
    intervalMs: durationMs(hc.interval, DEFAULT_INTERVAL_MS),
    timeoutMs: durationMs(hc.timeout, DEFAULT_TIMEOUT_MS),
  };
  if (tlsEnabled(spec)) {
    const t = spec.tls!;
    plan.tls = {
      ...(t.serverName ? { serverName: t.serverName } : {}),
      ...(t.insecureSkipVerify ? { insecureSkipVerify: true } : {}),
      ...(t.caSecretRef
        ? { caSecret: { name: t.caSecretRef.name, key: t.caSecretRef.key ?? 'ca.crt' } }
        : {}),
      ...(t.certSecretRef ? { certSecret: t.certSecretRef.name } : {}),
    };
  }
  return plan;
}
