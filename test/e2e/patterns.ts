// What the e2e suites share: the operator running in-process against the test
// control plane, PrismPatterns created and edited the way a user would, and
// waits on what `kubectl get hpa -w` / `kubectl get scaledobject -w` shows.
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { CONTENT_TYPE, isNotFound } from '../../src/runtime/kube-client.js';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl, newNamespace } from '../support/env.js';
import { installKedaCrds } from '../support/keda.js';
import { testManager } from '../support/manager.js';
import { crdDir } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';

export type Json = Record<string, any>;

/** Scaling is slow on a shared 2-core machine: every wait allows this long. */
export const SCALE_TIMEOUT_MS = Number(process.env.PRISM_E2E_TIMEOUT_MS ?? 120_000);

export class PatternWorld {
  private constructor(
    readonly mgr: Manager,
    readonly ns: string,
  ) {}

  /** Installs the CRDs, makes a namespace and starts the operator's PrismPattern controller. */
  static async start(prefix: string): Promise<PatternWorld> {
    // Every Prism CRD: the pattern controller also watches PrismBackends and PrismNamespaces.
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');
    await installKedaCrds(kubectl);
    const ns = await newNamespace(prefix);
    const mgr = await testManager();
    setupPrismPattern(mgr);
    await mgr.start();
    return new PatternWorld(mgr, ns);
  }

  async stop(): Promise<void> {
    await this.mgr.stop();
  }

  readonly deploymentPath = (name: string) => `/apis/apps/v1/namespaces/${this.ns}/deployments/${name}`;
  readonly hpasPath = () => `/apis/autoscaling/v2/namespaces/${this.ns}/horizontalpodautoscalers`;
  readonly hpaPath = (name: string) => `${this.hpasPath()}/${name}`;
  readonly soPath = (name: string) => `/apis/keda.sh/v1alpha1/namespaces/${this.ns}/scaledobjects/${name}`;
  readonly patternPath = (name: string) =>
    `/apis/prism.io/v1alpha1/namespaces/${this.ns}/prismpatterns/${name}`;

  get(path: string): Promise<Json> {
    return this.mgr.client.request<Json>({ method: 'GET', path });
  }

  async tryGet(path: string): Promise<Json | undefined> {
    try {
      return await this.get(path);
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async createPattern(name: string, spec: Json): Promise<void> {
    await this.mgr.client.request({
      method: 'POST',
      path: `/apis/prism.io/v1alpha1/namespaces/${this.ns}/prismpatterns`,
      body: { apiVersion: 'prism.io/v1alpha1', kind: 'PrismPattern', metadata: { name }, spec },
    });
  }

  async patchSpec(name: string, spec: Json): Promise<void> {
    await this.mgr.client.request({
      method: 'PATCH',
      path: this.patternPath(name),
      body: { spec },
      contentType: CONTENT_TYPE.mergePatch,
    });
  }

  /** The Deployment's spec.replicas once it equals `count`. */
  replicasReach(name: string, count: number, what = `${name} to have ${count} replicas`): Promise<Json> {
    return eventually(
      async () => {
        const d = await this.get(this.deploymentPath(name));
        return d.spec.replicas === count ? d : undefined;
      },
      { timeoutMs: SCALE_TIMEOUT_MS, intervalMs: 100, what },
    );
  }

  /** The pattern once its status satisfies `check`. */
  async patternWhere(name: string, check: (p: Json) => boolean, what: string): Promise<Json> {
    let last: Json | undefined;
    try {
      return await eventually(
        async () => {
          last = await this.get(this.patternPath(name));
          return check(last) ? last : undefined;
        },
        { timeoutMs: SCALE_TIMEOUT_MS, what },
      );
    } catch (err) {
      // The status the wait last saw says why (an HPA condition, a KEDA error).
      throw new Error(`${(err as Error).message}; last status: ${JSON.stringify(last?.status)}`, {
        cause: err,
      });
    }
  }

  /** Field managers that own the Deployment's spec.replicas. */
  async replicasOwners(name: string): Promise<string[]> {
    const d = await this.get(this.deploymentPath(name));
    return ((d.metadata.managedFields ?? []) as Json[])
      .filter((m) => JSON.stringify(m.fieldsV1?.['f:spec'] ?? {}).includes('"f:replicas"'))
      .map((m) => String(m.manager));
  }

  /**
   * Polls `sample` until stopped and collects what it reports, so a test can
   * assert something never happened while it was doing other things.
   */
  watchFor(sample: () => Promise<string | undefined>, intervalMs = 50): Watcher {
    const seen: string[] = [];
    const state = { on: true };
    const loop = (async () => {
      while (state.on) {
        try {
          const s = await sample();
          if (s !== undefined) seen.push(s);
        } catch {
          /* a transient API error is not an observation */
        }
        await sleep(intervalMs);
      }
    })();
    return {
      seen,
      stop: async () => {
        state.on = false;
        await loop;
        return seen;
      },
    };
  }
}

export interface Watcher {
  readonly seen: string[];
  stop(): Promise<string[]>;
}

/** A condition of an object's status (a PrismPattern, a ScaledObject). */
export const condition = (obj: Json | undefined, type: string): Json | undefined =>
  ((obj?.status?.conditions ?? []) as Json[]).find((c) => c.type === type);

/** A condition of the autoscaler, as the pattern's status.scaler reports it. */
export const scalerCondition = (pattern: Json, type: string): Json | undefined =>
  ((pattern.status?.scaler?.conditions ?? []) as Json[]).find((c) => c.type === type);

/** Milliseconds since `from`, printed for the report (never asserted). */
export function reportLatency(label: string, from: number): number {
  const ms = Date.now() - from;
  process.stdout.write(`      ⏱  ${label}: ${(ms / 1000).toFixed(1)} s\n`);
  return ms;
}
