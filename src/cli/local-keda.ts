// KEDA on the embedded control plane of `local-run`: its CRDs now, so
// `scaler: keda` patterns get their ScaledObjects; its operator and metrics
// adapter once hack/keda builds them (startKedaComponents is where they start).
import type { KubeClient } from '../runtime/kube-client.js';
import { kedaCrdFiles } from '../controlplane/keda-crds.js';
import { installCrds, readManifests } from './install-crds.js';

export interface LocalKedaContext {
  /** Admin client of the embedded control plane; valid only during the call. */
  client: KubeClient;
  binDir: string;
  kubeconfigPath: string;
  /** Directory for component logs and scratch files; removed with the control plane. */
  workDir: string;
  progress: (message: string) => void;
}

/** Something local-run started and must stop on Ctrl-C. */
export interface Stoppable {
  stop(): Promise<void>;
}

export async function installKedaCrds(ctx: LocalKedaContext): Promise<void> {
  ctx.progress("installing KEDA's CRDs (first use downloads the pinned KEDA module, ~3 MB)");
  await installCrds(ctx.client, readManifests(await kedaCrdFiles()));
}

/**
 * Starts KEDA's operator and metrics adapter against the embedded control
 * plane when their binaries exist in binDir. Not built yet: returns undefined,
 * and ScaledObjects are created but nothing acts on them.
 */
export function startKedaComponents(_ctx: LocalKedaContext): Promise<Stoppable | undefined> {
  return Promise.resolve(undefined);
}
