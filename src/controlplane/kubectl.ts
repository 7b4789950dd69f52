// kubectl from bin/ against a control plane, and a server-side apply of JSON
// objects through it. Used to install KEDA (CRDs, namespace, APIService) and
// by tests that register aggregated APIs.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs kubectl with these arguments and resolves with its stdout. */
export type Kubectl = (...args: string[]) => Promise<string>;

export function kubectlFor(binDir: string, kubeconfigPath: string): Kubectl {
  return async (...args) => {
    const { stdout } = await run(join(binDir, 'kubectl'), ['--kubeconfig', kubeconfigPath, ...args], {
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  };
}

/** Server-side applies the objects as one List, taking over fields other managers own. */
export async function applyObjects(
  kubectl: Kubectl,
  fieldManager: string,
  objects: readonly object[],
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'prism-apply-'));
  try {
    const file = join(dir, 'objects.json');
    writeFileSync(file, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }));
    await kubectl(
      'apply',
      '--server-side',
      '--force-conflicts',
      `--field-manager=${fieldManager}`,
      '-f',
      file,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
