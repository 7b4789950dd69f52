// Which cluster `local-run` uses: the current kubeconfig context when a cluster
// answers there within a few seconds, else the embedded control plane.
// LOCAL_CLUSTER=embedded|current forces the choice.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { KubeClient } from '../runtime/kube-client.js';

export type ClusterMode = 'auto' | 'embedded' | 'current';

export function clusterMode(value: string | undefined): ClusterMode {
  const v = (value ?? '').trim();
  if (v === '' || v === 'auto') return 'auto';
  if (v === 'embedded' || v === 'current') return v;
  throw new Error(`LOCAL_CLUSTER must be embedded, current or empty (auto), got "${v}"`);
}

/** The kubeconfig files kubectl would read: $KUBECONFIG (colon-separated) or ~/.kube/config. */
export function kubeconfigFiles(env: NodeJS.ProcessEnv): string[] {
  const listed = (env.KUBECONFIG ?? '').split(':').filter(Boolean);
  const candidates = listed.length ? listed : [join(env.HOME ?? homedir(), '.kube', 'config')];
  return candidates.filter((f) => existsSync(f));
}

/** Loads and merges kubeconfig files as kubectl does (the first file's current context wins). */
export function loadKubeConfig(files: readonly string[]): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  files.forEach((file, i) => {
    if (i === 0) {
      kc.loadFromFile(file);
      return;
    }
    const more = new k8s.KubeConfig();
    more.loadFromFile(file);
    kc.mergeConfig(more, true);
  });
  return kc;
}

export type Probe = { ok: true; kubeConfig: k8s.KubeConfig; server: string } | { ok: false; reason: string };

/** Whether the current context's API server answers GET /version within `timeoutMs`. */
export async function probeCurrentCluster(env: NodeJS.ProcessEnv, timeoutMs = 3_000): Promise<Probe> {
  const files = kubeconfigFiles(env);
  if (files.length === 0) return { ok: false, reason: 'no kubeconfig ($KUBECONFIG or ~/.kube/config)' };
  let kubeConfig: k8s.KubeConfig;
  try {
    kubeConfig = loadKubeConfig(files);
  } catch (err) {
    return { ok: false, reason: `cannot read ${files.join(':')}: ${message(err)}` };
  }
  const server = kubeConfig.getCurrentCluster()?.server;
  if (!kubeConfig.getCurrentContext() || !server) {
    return { ok: false, reason: `no current context in ${files.join(':')}` };
  }
  let client: KubeClient | undefined;
  try {
    client = await KubeClient.create(kubeConfig, { userAgent: 'prism-operator-local-run' });
    await client.request({ method: 'GET', path: '/version', timeoutMs });
    return { ok: true, kubeConfig, server };
  } catch (err) {
    return {
      ok: false,
      reason: `context ${kubeConfig.getCurrentContext()} (${server}) does not answer: ${message(err)}`,
    };
  } finally {
    client?.close();
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
