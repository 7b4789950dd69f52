// Many PrismPatterns at once, for the benchmark and the fault tests: specs
// (half HPA, half KEDA), a bounded-concurrency runner, and a convergence
// check that lists (never watches) so it works across API server restarts.
import type { KubeClient } from '../../src/runtime/kube-client.js';
import { CONTENT_TYPE } from '../../src/runtime/kube-client.js';
import type { Obj } from '../../src/runtime/object.js';
import { render } from '../../src/render.js';

export const PATTERN_API = 'prism.io/v1alpha1';
export const patternsPath = (ns: string) => `/apis/prism.io/v1alpha1/namespaces/${ns}/prismpatterns`;

const common = {
  pattern: 'consumer',
  backend: 'kafka',
  image: 'registry.invalid/prism/consumer:1',
  config: { 'runner.yaml': 'batch: 10\n' },
  service: { port: 8080 },
  resources: { requests: { cpu: '100m', memory: '128Mi' } },
};

/** Even indexes scale with an HPA, odd ones with a KEDA ScaledObject (Kafka lag). */
export function loadSpec(i: number): Record<string, unknown> {
  const autoscaling =
    i % 2 === 0
      ? { enabled: true, scaler: 'hpa', minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 }
      : {
          enabled: true,
          scaler: 'keda',
          minReplicas: 1,
          maxReplicas: 5,
          triggers: [
            {
              type: 'kafka',
              metadata: {
                bootstrapServers: 'kafka.bench.svc:9092',
                consumerGroup: `group-${i}`,
                topic: 'orders',
                lagThreshold: '50',
              },
            },
          ],
        };
  return { ...common, autoscaling };
}

export const loadName = (i: number) => `load-${String(i).padStart(5, '0')}`;

export function loadPattern(ns: string, i: number): Obj {
  return {
    apiVersion: PATTERN_API,
    kind: 'PrismPattern',
    metadata: { name: loadName(i), namespace: ns },
    spec: loadSpec(i),
  };
}

/** The children the operator makes for a pattern, from its own pure builders (render). */
export function childrenOf(pattern: Obj): Obj[] {
  const { objects, problems } = render([pattern]);
  if (problems.length) throw new Error(`load spec is invalid: ${problems.join('; ')}`);
  const uid = pattern.metadata.uid;
  if (!uid) return objects;
  return objects.map((o) => ({
    ...o,
    metadata: {
      ...o.metadata,
      ownerReferences: (o.metadata.ownerReferences ?? []).map((r) => ({ ...r, uid })),
    },
  }));
}

/** Runs `fn` over `items` with at most `concurrency` calls in flight. */
export async function inPool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

/** Creates patterns `indexes` in `ns`; returns the created objects (with uids). */
export async function createPatterns(
  client: KubeClient,
  ns: string,
  indexes: readonly number[],
  concurrency: number,
): Promise<Obj[]> {
  const created: Obj[] = [];
  await inPool(indexes, concurrency, async (i) => {
    created.push(
      await client.request<Obj>({ method: 'POST', path: patternsPath(ns), body: loadPattern(ns, i) }),
    );
  });
  return created;
}

/** Server-side applies one object under `fieldManager` (the baseline writes children this way, as the operator does). */
export async function applyObject(client: KubeClient, obj: Obj, fieldManager: string): Promise<void> {
  const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
  const plural = PLURALS[obj.kind];
  if (!plural) throw new Error(`no plural known for ${obj.kind}`);
  const base = group ? `/apis/${group}/${version}` : `/api/${version}`;
  await client.request({
    method: 'PATCH',
    path: `${base}/namespaces/${obj.metadata.namespace}/${plural}/${obj.metadata.name}`,
    query: { fieldManager, force: true },
    body: obj,
    contentType: CONTENT_TYPE.apply,
  });
}

const PLURALS: Record<string, string> = {
  ConfigMap: 'configmaps',
  Deployment: 'deployments',
  Service: 'services',
  PodDisruptionBudget: 'poddisruptionbudgets',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
  ScaledObject: 'scaledobjects',
};

/** Every child path the load patterns have, as collections to list. */
const CHILD_COLLECTIONS = [
  ['ConfigMap', '/api/v1', 'configmaps'],
  ['Deployment', '/apis/apps/v1', 'deployments'],
  ['Service', '/api/v1', 'services'],
  ['HorizontalPodAutoscaler', '/apis/autoscaling/v2', 'horizontalpodautoscalers'],
  ['ScaledObject', '/apis/keda.sh/v1alpha1', 'scaledobjects'],
] as const;

/** Lists a whole collection, page by page. */
export async function listAll<T extends Obj = Obj>(
  client: KubeClient,
  path: string,
  labelSelector?: string,
): Promise<T[]> {
  const items: T[] = [];
  let cont: string | undefined;
  do {
    const page = await client.request<{ items: T[]; metadata: { continue?: string } }>({
      method: 'GET',
      path,
      query: { limit: 500, ...(cont ? { continue: cont } : {}), ...(labelSelector ? { labelSelector } : {}) },
    });
    items.push(...page.items);
    cont = page.metadata.continue || undefined;
  } while (cont);
  return items;
}

export interface Convergence {
  patterns: number;
  observed: number;
  missingChildren: number;
}

/**
 * How far `expected` patterns in `ns` are: how many have status for their
 * current generation, and how many expected children are missing.
 */
export async function convergence(
  client: KubeClient,
  ns: string,
  expected: number,
  checkChildren = true,
): Promise<Convergence> {
  const patterns = await listAll(client, patternsPath(ns));
  const observed = patterns.filter(
    (p) =>
      (p.status as { observedGeneration?: number } | undefined)?.observedGeneration === p.metadata.generation,
  ).length;
  let missingChildren = 0;
  if (checkChildren && observed >= expected) {
    const have = new Set<string>();
    for (const [kind, base, plural] of CHILD_COLLECTIONS) {
      for (const o of await listAll(client, `${base}/namespaces/${ns}/${plural}`)) {
        have.add(`${kind}/${o.metadata.name}`);
      }
    }
    for (const p of patterns) {
      for (const c of childrenOf(p)) if (!have.has(`${c.kind}/${c.metadata.name}`)) missingChildren++;
    }
  }
  return { patterns: patterns.length, observed, missingChildren };
}

export const isConverged = (c: Convergence, expected: number) =>
  c.patterns >= expected && c.observed >= expected && c.missingChildren === 0;
