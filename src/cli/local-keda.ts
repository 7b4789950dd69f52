// KEDA's CRDs on the embedded control plane of `local-run`, so `scaler: keda`
// patterns get their ScaledObjects even when KEDA itself is not built
// (src/controlplane/keda.ts starts its operator and adapter when it is).
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
