// KEDA's CRDs, straight from the KEDA Go module pinned in hack/keda (fetched
// through the Go module proxy on first use; nothing is vendored). Shared by
// local runs on the embedded control plane and by the tests.
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const KEDA_GROUP = 'keda.sh';
export const KEDA_API_VERSION = 'keda.sh/v1alpha1';

/** Plurals of the CRDs the operator uses; each ships as `keda.sh_<plural>.yaml`. */
export const KEDA_PLURALS = [
  'scaledobjects',
  'scaledjobs',
  'triggerauthentications',
  'clustertriggerauthentications',
] as const;

/** CRD names, which are also how `kubectl api-resources -o name` lists the kinds. */
export const KEDA_CRD_NAMES = KEDA_PLURALS.map((p) => `${p}.${KEDA_GROUP}`);

/** The repository checkout this module runs from (src/controlplane or dist/controlplane). */
const repoRoot = resolve(import.meta.dirname, '..', '..');

let crdDir: Promise<string> | undefined;

/** The config/crd/bases directory of the pinned KEDA module (hack/keda/crds.sh, run once per process). */
export function kedaCrdDir(): Promise<string> {
  if (!crdDir) {
    crdDir = run('bash', [join(repoRoot, 'hack', 'keda', 'crds.sh')], { timeout: 300_000 }).then(
      ({ stdout }) => stdout.trim(),
    );
    // A failed download (proxy unreachable) should not stick for the rest of the run.
    crdDir.catch(() => (crdDir = undefined));
  }
  return crdDir;
}

/** The CRD files of the kinds the operator uses, inside kedaCrdDir(). */
export async function kedaCrdFiles(): Promise<string[]> {
  const dir = await kedaCrdDir();
  return KEDA_PLURALS.map((p) => join(dir, `${KEDA_GROUP}_${p}.yaml`));
}
