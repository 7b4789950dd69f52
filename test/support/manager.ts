// Builds runtime Managers against the test control plane.
import * as k8s from '@kubernetes/client-node';
import type { RequestObserver } from '../../src/runtime/kube-client.js';
import { silentLogger, type Logger } from '../../src/runtime/logger.js';
import { Manager, type ManagerConfig } from '../../src/runtime/manager.js';
import { testEnv } from './env.js';

export function testManagerConfig(overrides: Partial<ManagerConfig> = {}): ManagerConfig {
  return {
    fieldManager: 'prism-operator',
    hashAnnotation: 'prism.io/applied-hash',
    userAgent: 'prism-operator-test',
    maxConcurrentReconciles: 4,
    queue: { qps: 100, burst: 1000, baseDelayMs: 5, maxDelayMs: 1_000_000 },
    leaderElection: {
      enabled: false,
      namespace: 'default',
      name: 'prism-operator-test',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    },
    ...overrides,
  };
}

export async function testManager(
  overrides: Partial<ManagerConfig> = {},
  opts: {
    logger?: Logger;
    onLeadershipLost?: () => void;
    kubeConfig?: k8s.KubeConfig;
    observe?: RequestObserver;
  } = {},
): Promise<Manager> {
  return Manager.create({
    kubeConfig: opts.kubeConfig ?? testEnv().kubeConfig,
    config: testManagerConfig(overrides),
    logger: opts.logger ?? silentLogger(),
    onLeadershipLost: opts.onLeadershipLost ?? (() => undefined),
    observe: opts.observe,
  });
}

/** Sum of a counter's values matching a label filter, read from a prom-client registry. */
export async function counterSum(
  mgr: Manager,
  name: string,
  match: (labels: Record<string, string | number>) => boolean = () => true,
): Promise<number> {
  const metric = mgr.metrics.registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((v) => match(v.labels as Record<string, string | number>))
    .reduce((s, v) => s + v.value, 0);
}

export const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function writeRequests(mgr: Manager): Promise<number> {
  return counterSum(mgr, 'rest_client_requests_total', (l) => WRITE_VERBS.has(String(l.method)));
}
