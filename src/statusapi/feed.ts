// Turns cache changes into status events: Prism objects added, modified or
// deleted, and replica changes of the patterns' Deployments and HPAs. Also
// answers "what is there now" for the list endpoints and resyncs, from the
// same caches: the API never calls the API server per request.
import type { Informer, KubeObject } from '../runtime/informer.js';
import type { EventLog } from './event-log.js';
import { API_KINDS, type ApiKind } from './kinds.js';
import { objectView, type ObjectView, type Workloads } from './views.js';

export interface FeedCaches {
  kinds: ReadonlyMap<string, Informer>;
  deployments?: Informer;
  hpas?: Informer;
}

const PATTERN = API_KINDS[0]!;

export class StatusFeed {
  /** The last replica state sent per pattern, so only real changes are streamed. */
  private readonly lastReplicas = new Map<string, string>();

  constructor(
    private readonly caches: FeedCaches,
    private readonly log: EventLog,
  ) {}

  /** Subscribes to the caches; call before they start so no change is missed. */
  connect(): void {
    for (const kind of API_KINDS) {
      const informer = this.caches.kinds.get(kind.kind);
      if (!informer) continue;
      informer.onAdd((o) => this.emit('added', kind, o));
      informer.onUpdate((_old, o) => this.emit('modified', kind, o));
      informer.onDelete((o) => this.emit('deleted', kind, o));
    }
    const workloadChanged = (o: KubeObject) => this.replicasChanged(o);
    for (const informer of [this.caches.deployments, this.caches.hpas]) {
      informer?.onAdd(workloadChanged);
      informer?.onUpdate((_old, o) => workloadChanged(o));
      informer?.onDelete(workloadChanged);
    }
  }

  /** Views of every cached object of these kinds, optionally in one namespace. */
  list(kinds: readonly ApiKind[], namespace?: string): ObjectView[] {
    return kinds.flatMap((kind) =>
      (this.caches.kinds.get(kind.kind)?.list(namespace) ?? [])
        .map((o) => this.view(kind, o))
        .sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)),
    );
  }

  get(kind: ApiKind, namespace: string, name: string): ObjectView | undefined {
    const o = this.caches.kinds.get(kind.kind)?.get(namespace, name);
    return o && this.view(kind, o);
  }

  private view(kind: ApiKind, o: KubeObject): ObjectView {
    return objectView(kind, o, kind === PATTERN ? this.workloadsOf(o) : undefined);
  }

  private workloadsOf(pattern: KubeObject): Workloads {
    const { namespace, name } = pattern.metadata;
    return {
      deployment: this.caches.deployments?.get(namespace, name),
      // KEDA names its HPA keda-hpa-<ScaledObject>; the ScaledObject is named after the pattern.
      hpa: this.caches.hpas?.get(namespace, name) ?? this.caches.hpas?.get(namespace, `keda-hpa-${name}`),
    };
  }

  private emit(type: 'added' | 'modified' | 'deleted', kind: ApiKind, o: KubeObject): void {
    const view = this.view(kind, o);
    if (kind === PATTERN) this.remember(view);
    if (type === 'deleted' && kind === PATTERN) this.lastReplicas.delete(`${view.namespace}/${view.name}`);
    this.log.append({ type, kind: kind.kind, namespace: view.namespace, name: view.name, data: view });
  }

  private remember(view: ObjectView): boolean {
    const key = `${view.namespace}/${view.name}`;
    const state = JSON.stringify(view.scaler);
    if (this.lastReplicas.get(key) === state) return false;
    this.lastReplicas.set(key, state);
    return true;
  }

  /** A Deployment or HPA changed: stream its pattern's replica state if it moved. */
  private replicasChanged(workload: KubeObject): void {
    const namespace = workload.metadata.namespace ?? '';
    const name = patternNameOf(workload);
    const pattern = name && this.caches.kinds.get(PATTERN.kind)?.get(namespace, name);
    if (!pattern) return;
    const view = this.view(PATTERN, pattern);
    if (!this.remember(view)) return;
    this.log.append({
      type: 'replicas',
      kind: PATTERN.kind,
      namespace,
      name: view.name,
      data: { namespace, name: view.name, scaler: view.scaler, at: new Date().toISOString() },
    });
  }
}

/** The pattern a Deployment or HPA belongs to: its controller owner, or the ScaledObject's name for KEDA's HPA. */
export function patternNameOf(workload: KubeObject): string | undefined {
  const owner = (workload.metadata.ownerReferences ?? []).find(
    (r) => (r.kind === 'PrismPattern' || r.kind === 'ScaledObject') && r.controller !== false,
  );
  return owner?.name;
}
