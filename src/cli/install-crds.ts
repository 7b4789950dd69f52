// Installs or updates CustomResourceDefinitions from YAML files with
// server-side apply, then waits until the API server serves them. Used by
// local runs (Prism's CRDs everywhere, KEDA's on the embedded control plane).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CONTENT_TYPE, type KubeClient } from '../runtime/kube-client.js';
import type { Obj } from '../runtime/object.js';

const CRD_PATH = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

/** Every YAML document in the given files (directories: their *.yaml files), empty ones skipped. */
export function readManifests(paths: readonly string[]): Obj[] {
  const files = paths.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
  return files.flatMap((f) =>
    parseAllDocuments(readFileSync(f, 'utf8'))
      .map((d) => d.toJS() as Obj | null)
      .filter((o): o is Obj => o !== null),
  );
}

interface Crd extends Obj {
  status?: { conditions?: { type: string; status: string }[] };
}

const established = (crd: Crd) =>
  crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;

/** Applies the CRDs (force, so the files win over earlier installs) and waits until all are Established. */
export async function installCrds(
  client: KubeClient,
  crds: readonly Obj[],
  { fieldManager = 'prism-operator-local', timeoutMs = 60_000 } = {},
): Promise<string[]> {
  const names: string[] = [];
  for (const crd of crds) {
    if (crd.kind !== 'CustomResourceDefinition') continue;
    await client.request({
      method: 'PATCH',
      path: `${CRD_PATH}/${crd.metadata.name}`,
      query: { fieldManager, force: true },
      body: crd,
      contentType: CONTENT_TYPE.apply,
    });
    names.push(crd.metadata.name);
  }
  const deadline = Date.now() + timeoutMs;
  for (const name of names) {
    for (;;) {
      const current = await client.request<Crd>({ method: 'GET', path: `${CRD_PATH}/${name}` });
      if (established(current)) break;
      if (Date.now() > deadline) throw new Error(`CRD ${name} is not Established after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  return names;
}
