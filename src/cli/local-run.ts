// `prism-operator local-run` (what `make local-run` runs): the operator in the
// foreground against the current kubeconfig context when a cluster answers,
// else against an embedded control plane (etcd, kube-apiserver,
// kube-controller-manager) it starts, built on first use. Ctrl-C stops all of
// it; the launcher's reaper covers a crash.
import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseConfig, type OperatorConfig } from '../config.js';
import { ControlPlane } from '../controlplane/launcher.js';
import { buildOperator, startOperator } from '../main.js';
import { KubeClient } from '../runtime/kube-client.js';
import { createLogger } from '../runtime/logger.js';
import { clusterMode, probeCurrentCluster, type ClusterMode } from './cluster-choice.js';
import { installCrds, readManifests } from './install-crds.js';
import { startKedaIfBuilt } from '../controlplane/keda.js';
import { installKedaCrds, type Stoppable } from './local-keda.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
export const CONTROLPLANE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kubectl'];

export interface LocalRunIO {
  /** Progress lines and the KUBECONFIG hint (stderr, so stdout stays pure logs). */
  progress: (line: string) => void;
  /** Whether stdout is a terminal: text logs if so, JSON otherwise (unless LOG_FORMAT/--log-format say). */
  stdoutIsTTY: boolean;
}

interface LocalSettings {
  mode: ClusterMode;
  binDir: string;
  stateDir: string;
  config: OperatorConfig;
}

/**
 * Local defaults under the operator's own settings: leader election off (one
 * process) and the log format following the terminal. The user's environment
 * and flags still win.
 */
export function localSettings(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  stdoutIsTTY: boolean,
): LocalSettings {
  const config = parseConfig(argv, {
    LEADER_ELECT: 'false',
    // An API server outside a cluster cannot call back into a local process's webhooks.
    ENABLE_WEBHOOKS: 'false',
    LOG_FORMAT: stdoutIsTTY ? 'text' : 'json',
    ...env,
  });
  return {
    mode: clusterMode(env.LOCAL_CLUSTER),
    binDir: env.PRISM_BIN_DIR || join(repoRoot, 'bin'),
    stateDir: env.PRISM_LOCAL_STATE_DIR || join(repoRoot, '.controlplane'),
    config,
  };
}

export async function localRun(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: LocalRunIO,
): Promise<void> {
  const started = Date.now();
  let settings: LocalSettings;
  try {
    settings = localSettings(argv, env, io.stdoutIsTTY);
  } catch (err) {
    // Bad flags, environment or LOCAL_CLUSTER: exit 2 as `run` does.
    if (!(err instanceof Error)) throw err;
    io.progress(`local-run: ${err.message}`);
    process.exit(2);
  }
  const progress = (m: string) => io.progress(`local-run: ${m}`);
  const running: Stoppable[] = []; // stopped in reverse order on Ctrl-C
  const state = { stopping: false };
  const stopped = () => state.stopping;
  const stopAll = async (code: number) => {
    if (state.stopping) return;
    state.stopping = true;
    progress('stopping');
    for (const s of running.reverse()) {
      await s.stop().catch((err: unknown) => progress(`stop failed: ${String(err)}`));
    }
    process.exit(code);
  };
  // A second Ctrl-C while stopping leaves at once; the launcher's reaper kills what is left.
  const onSignal = () => (state.stopping ? process.exit(130) : void stopAll(0));
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const kubeConfig = await chooseCluster(settings, env, progress, running);
    if (stopped()) return;
    await installEverything(settings, kubeConfig, progress, running);
    if (stopped()) return;
    const { config } = settings;
    const logger = createLogger({ level: config.logLevel, format: config.logFormat });
    const manager = await buildOperator(config, kubeConfig, logger);
    running.push({ stop: () => manager.stop() });
    await startOperator(manager, config, kubeConfig, logger);
    progress(`up in ${((Date.now() - started) / 1000).toFixed(1)}s; Ctrl-C stops everything`);
  } catch (err) {
    progress(`failed: ${err instanceof Error ? err.message : String(err)}`);
    await stopAll(1);
  }
}

/** The current context when it answers (or is forced), else a fresh embedded control plane. */
async function chooseCluster(
  s: LocalSettings,
  env: NodeJS.ProcessEnv,
  progress: (m: string) => void,
  running: Stoppable[],
): Promise<k8s.KubeConfig> {
  if (s.mode !== 'embedded') {
    const probe = await probeCurrentCluster(env);
    if (probe.ok) {
      progress(
        `using the current kubeconfig context ${probe.kubeConfig.getCurrentContext()} (${probe.server})`,
      );
      return probe.kubeConfig;
    }
    if (s.mode === 'current') throw new Error(`LOCAL_CLUSTER=current, but ${probe.reason}`);
    progress(`${probe.reason}; using the embedded control plane`);
  }
  await ensureControlPlaneBinaries(s.binDir, progress);
  // Each run starts from an empty cluster: the state directory holds this run only.
  rmSync(s.stateDir, { recursive: true, force: true });
  progress('starting the embedded control plane (etcd, kube-apiserver, kube-controller-manager)');
  const cp = await ControlPlane.start({
    binDir: s.binDir,
    workDir: s.stateDir,
    onProgress: (m) => progress(`  ${m}`),
  });
  running.push(cp);
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(cp.kubeconfigPath);
  progress(
    `export KUBECONFIG=${cp.kubeconfigPath}   # then kubectl (or ${join(s.binDir, 'kubectl')}) talks to it`,
  );
  return kubeConfig;
}

/** Builds the control-plane binaries on first use (make controlplane). */
async function ensureControlPlaneBinaries(binDir: string, progress: (m: string) => void): Promise<void> {
  const missing = CONTROLPLANE_BINARIES.filter((b) => !existsSync(join(binDir, b)));
  if (missing.length === 0) return;
  progress(
    `building ${missing.join(', ')} into ${binDir} (first use only: about 10-15 minutes and 3 GB of Go caches)`,
  );
  const code = await new Promise<number | null>((done) => {
    const build = spawn(
      'bash',
      [join(repoRoot, 'hack', 'controlplane', 'build.sh'), ...CONTROLPLANE_BINARIES],
      {
        env: { ...process.env, BIN_DIR: binDir },
        stdio: ['ignore', 'inherit', 'inherit'],
      },
    );
    build.once('exit', done);
    build.once('error', () => done(-1));
  });
  if (code !== 0)
    throw new Error(`building the control plane failed (exit ${String(code)}); see the output above`);
}

/** Prism's CRDs (and, on the embedded control plane, KEDA's CRDs and components). */
async function installEverything(
  s: LocalSettings,
  kubeConfig: k8s.KubeConfig,
  progress: (m: string) => void,
  running: Stoppable[],
): Promise<void> {
  const client = await KubeClient.create(kubeConfig, { userAgent: 'prism-operator-local-run' });
  try {
    progress('installing the Prism CRDs (server-side apply of config/crd/bases)');
    await installCrds(client, readManifests([join(repoRoot, 'config', 'crd', 'bases')]));
    const cp = running.find((r): r is ControlPlane => r instanceof ControlPlane);
    if (!cp) return; // a real cluster: `make local-install-deps` installs KEDA there
    const ctx = {
      client,
      binDir: s.binDir,
      kubeconfigPath: cp.kubeconfigPath,
      workDir: cp.workDir,
      progress,
    };
    await installKedaCrds(ctx);
    // KEDA's operator and metrics adapter, when built (`make keda`, or WITH_KEDA=1 make local-run).
    const keda = await startKedaIfBuilt(cp, { binDir: s.binDir, onProgress: progress });
    if (keda) running.push(keda);
  } finally {
    client.close();
  }
}
