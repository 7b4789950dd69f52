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
  const until = async (what: string, check: () => Promise<boolean>) => {
    while (!(await check().catch(() => false))) {
      if (Date.now() > deadline) throw new Error(`${what} after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  for (const name of names) {
    let crd: Crd | undefined;
    await until(`CRD ${name} is not Established`, async () => {
      crd = await client.request<Crd>({ method: 'GET', path: `${CRD_PATH}/${name}` });
      return established(crd);
    });
    // Established comes before the kind's storage can list, which the operator's informers do first.
    const { group, names: n, versions } = crd!.spec as CrdSpec;
    const version = versions.find((v) => v.served)?.name ?? versions[0]!.name;
    await until(`${name} cannot be listed`, async () => {
      await client.request({
        method: 'GET',
        path: `/apis/${group}/${version}/${n.plural}`,
        query: { limit: 1 },
      });
      return true;
    });
  }
  return names;
}

interface CrdSpec {
  group: string;
  names: { plural: string };
  versions: { name: string; served: boolean }[];
}
