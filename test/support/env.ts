// The shared test environment: one real control plane per test run, started by
// the root hook in controlplane-hooks.ts. Tests isolate themselves by namespace.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { ControlPlane } from '../../src/controlplane/launcher.js';
import { binDir } from './paths.js';

const run = promisify(execFile);

export interface TestEnv {
  controlPlane: ControlPlane;
  kubeConfig: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  objects: k8s.KubernetesObjectApi;
}

let env: TestEnv | undefined;

export async function startTestEnv(): Promise<TestEnv> {
  const started = Date.now();
  const controlPlane = await ControlPlane.start({ binDir });
  const kubeConfig = new k8s.KubeConfig();
  kubeConfig.loadFromFile(controlPlane.kubeconfigPath);
  env = {
    controlPlane,
    kubeConfig,
    core: kubeConfig.makeApiClient(k8s.CoreV1Api),
    apps: kubeConfig.makeApiClient(k8s.AppsV1Api),
    objects: k8s.KubernetesObjectApi.makeApiClient(kubeConfig),
  };
  process.stdout.write(
    `  control plane ready at ${controlPlane.server} in ${((Date.now() - started) / 1000).toFixed(1)}s\n`,
  );
  return env;
}

export async function stopTestEnv(): Promise<void> {
  await env?.controlPlane.stop();
  env = undefined;
}

export function testEnv(): TestEnv {
  if (!env) throw new Error('the control plane is not running (root hook not loaded?)');
  return env;
}

/** Creates a namespace with a unique name for one test or suite. */
export async function newNamespace(prefix = 'test'): Promise<string> {
  const name = `${prefix}-${randomBytes(4).toString('hex')}`;
  await testEnv().core.createNamespace({ body: { metadata: { name } } });
  return name;
}

/** Runs the kubectl built by hack/controlplane against the test control plane. */
export async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(
    join(binDir, 'kubectl'),
    ['--kubeconfig', testEnv().controlPlane.kubeconfigPath, ...args],
    {
      maxBuffer: 16 * 1024 * 1024,
    },
  );
  return stdout;
}
