// The manager wires the runtime together: informers feed keys into the one
// shared work queue, the queue runs reconcilers, leader election decides
// whether this process reconciles at all, and one HTTP server reports health,
// readiness and metrics. It knows nothing about what the reconcilers do.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubeConfigLike } from './kubeconfig.js';
import { Applier, type Obj } from './apply.js';
import { RestMapper } from './discovery.js';
import { EventRecorder } from './events.js';
import { Informer, type InformerOptions, type KubeObject, type ResourceRef } from './informer.js';
import { KubeClient, type RequestObserver } from './kube-client.js';
import { LeaderElector } from './leader-election.js';
import type { Logger } from './logger.js';
import { OperatorMetrics } from './metrics.js';
import { relatedChanged, specOrMetadataChanged, type UpdatePredicate } from './predicates.js';
import { controllerName, parseKey } from './keys.js';
import { runReconcile, type Reconciler } from './reconcile-run.js';
import { QueueMetrics } from './queue-metrics.js';
import { defaultControllerRateLimiter } from './ratelimit.js';
import { HttpServer } from './server.js';
import { WorkQueue } from './workqueue.js';

export {
  TerminalError,
  type ReconcileContext,
  type ReconcileRequest,
  type ReconcileResult,
  type Reconciler,
} from './reconcile-run.js';

export interface ManagerConfig {
  fieldManager: string;
  hashAnnotation: string;
  userAgent: string;
  maxConcurrentReconciles: number;
  queue: { qps: number; burst: number; baseDelayMs: number; maxDelayMs: number };
  leaderElection: {
    enabled: boolean;
    namespace: string;
    name: string;
    identity?: string;
    leaseDurationMs: number;
    renewDeadlineMs: number;
    retryPeriodMs: number;
  };
  http?: { host: string; port: number };
  /**
   * Namespaces to watch and write (empty or unset: all). Namespaced watches then list/watch
   * each of them, never the cluster; cluster-scoped watches and the Lease are unaffected.
   */
  watchNamespaces?: readonly string[];
}

export interface WatchSpec {
  resource: ResourceRef;
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  transform?: InformerOptions['transform'];
  /** The keys to reconcile when an object of this resource changes. */
  map: (obj: Obj) => string[];
  /** A primary resource: every object is reconciled when leadership starts. */
  primary?: boolean;
  /**
   * Which updates enqueue (adds and deletes always do). Default: for a primary, a spec or
   * metadata change (its own status writes do not re-queue it); otherwise anything but
   * bookkeeping (see predicates.ts).
   */
  predicate?: UpdatePredicate;
}

export interface ManagerOptions {
  kubeConfig: KubeConfigLike;
  config: ManagerConfig;
  logger: Logger;
  metrics?: OperatorMetrics;
  /** Also told of every API request the manager's client completes (tests audit scope and RBAC with it). */
  observe?: RequestObserver;
  /** Called when this process loses the lease it held (default: exit, as controller-runtime does). */
  onLeadershipLost?: () => void;
}

interface Watched {
  informer: Informer;
  spec: WatchSpec;
}

export class Manager {
  readonly metrics: OperatorMetrics;
  readonly mapper: RestMapper;
  readonly applier: Applier;
  readonly recorder: EventRecorder;
  readonly queue: WorkQueue;
  readonly identity: string;
  private readonly watched = new Map<string, Watched>();
  private readonly reconcilers = new Map<string, Reconciler>();
  private readonly log: Logger;
  private elector: LeaderElector | undefined;
  /** The HTTP server (when configured): other parts add routes before start(). */
  readonly server: HttpServer | undefined;
  private leading = false;
  private leaderAbort = new AbortController();
  private stopping = false;
  private startedAt = 0;
  httpAddress: { host: string; port: number } | undefined;

  private constructor(
    readonly client: KubeClient,
    private readonly opts: ManagerOptions,
  ) {
    const { config } = opts;
    this.log = opts.logger;
    this.metrics = opts.metrics ?? new OperatorMetrics();
    this.identity = config.leaderElection.identity ?? `${hostname()}_${randomBytes(4).toString('hex')}`;
    this.mapper = new RestMapper(client);
    this.applier = new Applier(client, this.mapper, {
      fieldManager: config.fieldManager,
      hashAnnotation: config.hashAnnotation,
    });
    this.recorder = new EventRecorder({
      client,
      reportingController: config.fieldManager,
      reportingInstance: `${config.fieldManager}-${this.identity}`.slice(0, 128),
      log: (msg, meta) => this.log.warn(msg, meta),
    });
    this.queue = new WorkQueue({
      handler: (key) => this.process(key),
      concurrency: config.maxConcurrentReconciles,
      rateLimiter: defaultControllerRateLimiter({
        qps: config.queue.qps,
        burst: config.queue.burst,
        baseDelayMs: config.queue.baseDelayMs,
        maxDelayMs: config.queue.maxDelayMs,
      }),
      metrics: new QueueMetrics(this.metrics.registry),
    });
    if (config.http)
      this.server = new HttpServer({
        ...config.http,
        registry: this.metrics.registry,
        ready: () => this.synced(),
      });
  }

  static async create(opts: ManagerOptions): Promise<Manager> {
    const metrics = opts.metrics ?? new OperatorMetrics();
    const client = await KubeClient.create(opts.kubeConfig, {
      userAgent: opts.config.userAgent,
      observe: (info) => {
        metrics.restRequests.inc({
          code: String(info.code),
          method: info.method,
          host: hostOf(opts.kubeConfig),
        });
        opts.observe?.(info);
      },
    });
    return new Manager(client, { ...opts, metrics });
  }

  /** Watches a resource (within the watched namespaces); changes enqueue the keys `spec.map` returns. */
  watch(name: string, spec: WatchSpec): Informer {
    if (spec.resource.namespaced && spec.namespace !== undefined && !this.inScope(spec.namespace))
      throw new Error(`watch ${name}: namespace ${spec.namespace} is outside the watched namespaces`);
    const informer = new Informer({
      client: this.client,
      resource: spec.resource,
      namespace: spec.namespace,
      namespaces: spec.namespace === undefined ? this.opts.config.watchNamespaces : undefined,
      labelSelector: spec.labelSelector,
      fieldSelector: spec.fieldSelector,
      transform: spec.transform,
      log: (level, msg, meta) => this.log.log(level, msg, { informer: name, ...meta }),
    });
    const enqueue = (obj: KubeObject) => {
      if (!this.leading) return; // standbys keep their caches warm but do not reconcile
      for (const key of spec.map(obj as Obj)) this.queue.add(key);
    };
    const worthIt = this.updatePredicate(spec);
    informer.onAdd(enqueue);
    informer.onUpdate((old, cur) => {
      if (worthIt(old as Obj, cur as Obj)) enqueue(cur);
    });
    informer.onDelete(enqueue);
    this.watched.set(name, { informer, spec });
    // Watches added after start (e.g. for a CRD installed later) start at once.
    if (this.startedAt > 0) informer.start();
    return informer;
  }

  /** The update filter a watch spec asks for, or the default for its role. */
  updatePredicate(spec: Pick<WatchSpec, 'primary' | 'predicate'>): UpdatePredicate {
    if (spec.predicate) return spec.predicate;
    return spec.primary ? specOrMetadataChanged : relatedChanged;
  }

  /** Whether a watch of this name exists (started or not). */
  watching(name: string): boolean {
    return this.watched.has(name);
  }

  /** The cache of a watched resource. */
  cache<T extends KubeObject = KubeObject>(name: string): Informer<T> {
    const w = this.watched.get(name);
    if (!w) throw new Error(`no informer named ${name}`);
    return w.informer as unknown as Informer<T>;
  }

  register(reconciler: Reconciler): void {
    this.reconcilers.set(reconciler.kind, reconciler);
    this.metrics.registerController(
      controllerName(reconciler.kind),
      this.opts.config.maxConcurrentReconciles,
    );
  }

  /** Whether objects of this namespace are the operator's to read and write. */
  inScope(namespace: string): boolean {
    const scope = this.opts.config.watchNamespaces;
    return !scope?.length || scope.includes(namespace);
  }

  isLeader(): boolean {
    return this.leading;
  }

  synced(): boolean {
    return [...this.watched.values()].every((w) => w.informer.hasSynced());
  }

  /** Starts caches, the HTTP server and leader election; resolves once caches have synced. */
  async start(syncTimeoutMs = 120_000): Promise<void> {
    this.startedAt = Date.now();
    const { config } = this.opts;
    if (this.server) {
      const addr = await this.server.start();
      this.httpAddress = { host: addr.address, port: addr.port };
    }
    for (const w of this.watched.values()) w.informer.start();
    await Promise.all([...this.watched.values()].map((w) => w.informer.waitForSync(syncTimeoutMs)));
    this.log.info('caches synced', { informers: this.watched.size, ms: Date.now() - this.startedAt });
    if (!config.leaderElection.enabled) {
      this.startLeading(new AbortController().signal);
      return;
    }
    const le = config.leaderElection;
    this.elector = new LeaderElector({
      client: this.client,
      namespace: le.namespace,
      name: le.name,
      identity: this.identity,
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      releaseOnCancel: true,
      onStartedLeading: (signal) => this.startLeading(signal),
      onStoppedLeading: ({ lost }) => this.stopLeading(lost),
      onLeaderChange: (isLeader) => this.metrics.leaderStatus.set({ name: le.name }, isLeader ? 1 : 0),
    });
    this.metrics.leaderStatus.set({ name: le.name }, 0);
    void this.elector.run();
  }

  private startLeading(signal: AbortSignal): void {
    this.leading = true;
    this.leaderAbort = new AbortController();
    signal.addEventListener('abort', () => this.leaderAbort.abort(), { once: true });
    this.log.info('started leading; reconciling', { identity: this.identity });
    this.resyncAll();
  }

  private stopLeading(lost: boolean): void {
    this.leading = false;
    this.leaderAbort.abort();
    if (!lost || this.stopping) return;
    this.log.error('leadership lost; stopping reconciles', { identity: this.identity });
    (this.opts.onLeadershipLost ?? (() => process.exit(1)))();
  }

  /** Enqueues every object of every primary resource. */
  resyncAll(): void {
    for (const { informer, spec } of this.watched.values()) {
      if (!spec.primary) continue;
      for (const obj of informer.list()) for (const key of spec.map(obj as Obj)) this.queue.add(key);
    }
  }

  enqueue(key: string): void {
    if (this.leading) this.queue.add(key);
  }

  private async process(key: string): Promise<void> {
    if (!this.leading) return;
    const req = { key, ...parseKey(key) };
    const reconciler = this.reconcilers.get(req.kind);
    if (req.namespace && !this.inScope(req.namespace)) {
      this.log.warn('ignoring a key outside the watched namespaces', { key });
      return;
    }
    if (!reconciler) {
      this.log.warn('no reconciler for key', { key });
      return;
    }
    await runReconcile(reconciler, req, {
      queue: this.queue,
      metrics: this.metrics,
      recorder: this.recorder,
      log: this.log,
      signal: this.leaderAbort.signal,
      isLeader: () => this.isLeader(),
    });
  }

  /** Graceful stop: finish in-flight reconciles, release the lease, stop caches and the server. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.leading = false;
    await this.queue.shutdown({ drain: false });
    this.leaderAbort.abort();
    await this.elector?.stop();
    await this.recorder.flush();
    await Promise.all([...this.watched.values()].map((w) => w.informer.stop()));
    await this.server?.stop();
    this.client.close();
    this.log.info('manager stopped', { identity: this.identity });
  }

  /** Simulates a crash for tests: stops everything without releasing the lease. */
  async abandon(): Promise<void> {
    this.stopping = true;
    this.leading = false;
    await this.elector?.abandon();
    await this.queue.shutdown({ drain: false });
    await Promise.all([...this.watched.values()].map((w) => w.informer.stop()));
    await this.server?.stop();
    this.client.close();
  }
}

function hostOf(kc: KubeConfigLike): string {
  try {
    return new URL(kc.getCurrentCluster()?.server ?? '').host;
  } catch {
    return '';
  }
}
