// After-hook cleanup for tests that create PrismNamespaces: a tenant's
// finalizer needs the operator running, and a failed test must never leave
// its namespace stuck on one.
import { CONTENT_TYPE, type KubeClient } from '../../src/runtime/kube-client.js';
import { kubectl } from './env.js';
import { listAll } from './pattern-load.js';
import { eventually } from './wait.js';

/** Waits for every PrismNamespace in `ns` to go; strips the finalizers of any still there after a minute. */
export async function releaseTenants(client: KubeClient, ns: string): Promise<void> {
  const path = `/apis/prism.io/v1alpha1/namespaces/${ns}/prismnamespaces`;
  const left = () => listAll(client, path);
  const gone = await eventually(async () => (await left()).length === 0, {
    timeoutMs: 60_000,
    what: 'every PrismNamespace to be cleaned up',
  }).catch(() => false);
  if (gone) return;
  for (const t of await left()) {
    await client
      .request({
        method: 'PATCH',
        path: `${path}/${t.metadata.name}`,
        body: { metadata: { finalizers: null } },
        contentType: CONTENT_TYPE.mergePatch,
      })
      .catch(() => undefined);
  }
}

/** Deletes whatever Namespace a tenant in `ns` made (labelled with its owner's namespace). */
export async function deleteTenantNamespaces(ns: string): Promise<void> {
  await kubectl(
    'delete',
    'namespace',
    '-l',
    `prism.io/owner-namespace=${ns}`,
    '--ignore-not-found',
    '--timeout=180s',
  );
}
