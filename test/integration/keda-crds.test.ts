import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import {
  KEDA_CRD_NAMES,
  installKedaCrds,
  kedaCrdDir,
  kedaKindsInDiscovery,
  uninstallKedaCrds,
} from '../support/keda.js';
import { repoRoot } from '../support/paths.js';
import { eventually } from '../support/wait.js';

const GROUP = 'keda.sh';
const VERSION = 'v1alpha1';

function scaledObject(name: string, namespace: string, spec: Record<string, unknown> = {}) {
  const body: { apiVersion: string; kind: string; metadata: object; spec: Record<string, unknown> } = {
    apiVersion: `${GROUP}/${VERSION}`,
    kind: 'ScaledObject',
    metadata: { name, namespace },
    spec: {
      scaleTargetRef: { name: 'worker' },
      minReplicaCount: 1,
      maxReplicaCount: 5,
      triggers: [
        {
          type: 'redis',
          metadata: { address: 'redis.default.svc:6379', listName: 'jobs', listLength: '5' },
          authenticationRef: { name: 'redis-auth' },
        },
      ],
      ...spec,
    },
  };
  return body;
}

/** The API server's reason for refusing a write (ApiException keeps the Status body). */
function rejection(err: unknown): { code: number; text: string } {
  if (!(err instanceof k8s.ApiException)) throw err;
  const body: unknown = err.body;
  return { code: err.code, text: typeof body === 'string' ? body : JSON.stringify(body) };
}

describe("KEDA's CRDs from the Go module proxy", function () {
  let custom: k8s.CustomObjectsApi;
  let ns: string;

  const create = (plural: string, body: object) =>
    custom.createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace: ns, plural, body });

  async function createRejected(body: object): Promise<{ code: number; text: string }> {
    try {
      await create('scaledobjects', body);
    } catch (err) {
      return rejection(err);
    }
    throw new Error('the API server accepted an invalid ScaledObject');
  }

  before(async function () {
    // The first run may download the KEDA module (~3 MB) through the proxy.
    this.timeout(300_000);
    custom = testEnv().kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    await installKedaCrds(kubectl);
    // Installing again is a no-op: other test files install them too.
    await installKedaCrds(kubectl);
    ns = await newNamespace('keda');
  });

  after(async function () {
    this.timeout(120_000);
    if (ns) await testEnv().core.deleteNamespace({ name: ns });
    // Files that run later expect KEDA's kinds, even if the uninstall test failed half way.
    const kinds = await kedaKindsInDiscovery(kubectl);
    if (!KEDA_CRD_NAMES.every((n) => kinds.includes(n))) await installKedaCrds(kubectl);
  });

  it('come from the KEDA module pinned in hack/keda, outside the repository', async () => {
    const pinned = /github\.com\/kedacore\/keda\/v2 (v\S+)/.exec(
      readFileSync(join(repoRoot, 'hack', 'keda', 'go.mod'), 'utf8'),
    )?.[1];
    expect(pinned).to.match(/^v2\.\d+\.\d+$/);
    const dir = await kedaCrdDir();
    expect(dir.endsWith(`/github.com/kedacore/keda/v2@${pinned}/config/crd/bases`), dir).to.equal(true);
    expect(dir.startsWith(repoRoot), dir).to.equal(false);
    expect(await kedaCrdDir()).to.equal(dir);
    expect(await kedaKindsInDiscovery(kubectl)).to.include.members(KEDA_CRD_NAMES);
  });

  it('accept a ScaledObject with its TriggerAuthentication and read them back', async () => {
    await testEnv().core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'redis-secret' }, stringData: { password: 'not-a-secret' } },
    });
    await create('triggerauthentications', {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'TriggerAuthentication',
      metadata: { name: 'redis-auth', namespace: ns },
      spec: { secretTargetRef: [{ parameter: 'password', name: 'redis-secret', key: 'password' }] },
    });
    await create('scaledobjects', scaledObject('worker', ns));

    const so = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'scaledobjects',
      name: 'worker',
    })) as { spec: unknown };
    expect(so.spec).to.deep.equal(scaledObject('worker', ns).spec);
    const auth = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: 'triggerauthentications',
      name: 'redis-auth',
    })) as { spec: { secretTargetRef: { name: string }[] } };
    expect(auth.spec.secretTargetRef[0]?.name).to.equal('redis-secret');
    // kubectl knows the kinds too (short name `so`, printer columns from the CRD).
    const table = await kubectl('get', 'so', '-n', ns);
    expect(table).to.match(/^NAME\s+SCALETARGETKIND\s+SCALETARGETNAME\s+MIN\s+MAX/);
    expect(table).to.match(/\nworker\s+worker\s+1\s+5\s/);
  });

  it('reject minReplicaCount above maxReplicaCount (the CRD carries a CEL rule)', async () => {
    const msg = 'minReplicaCount must be less than or equal to maxReplicaCount';
    const above = await createRejected(
      scaledObject('min-above-max', ns, { minReplicaCount: 5, maxReplicaCount: 2 }),
    );
    expect(above.code).to.equal(422);
    expect(above.text).to.include(msg);
    // Without maxReplicaCount the rule compares against KEDA's default of 100.
    const noMax = scaledObject('min-above-default', ns, { minReplicaCount: 101 });
    delete noMax.spec.maxReplicaCount;
    const aboveDefault = await createRejected(noMax);
    expect(aboveDefault.code).to.equal(422);
    expect(aboveDefault.text).to.include(msg);
    // Equal bounds are fine.
    await create('scaledobjects', scaledObject('pinned', ns, { minReplicaCount: 3, maxReplicaCount: 3 }));
  });

  it('reject trigger metadata values that are not strings', async () => {
    const got = await createRejected(
      scaledObject('numeric-metadata', ns, {
        triggers: [{ type: 'redis', metadata: { address: 'redis:6379', listName: 'jobs', listLength: 5 } }],
      }),
    );
    expect(got.code).to.equal(422);
    expect(got.text).to.include('spec.triggers[0].metadata.listLength');
    expect(got.text).to.include('must be of type string');
  });

  it('leave discovery on uninstall, and come back on reinstall', async function () {
    this.timeout(180_000);
    await uninstallKedaCrds(kubectl);
    expect(await kedaKindsInDiscovery(kubectl)).to.deep.equal([]);
    // Uninstalling twice is harmless.
    await uninstallKedaCrds(kubectl);

    // Leave them installed for the files that run after this one.
    await installKedaCrds(kubectl);
    expect(await kedaKindsInDiscovery(kubectl)).to.include.members(KEDA_CRD_NAMES);
    // The objects went with the CRDs; the kind is served again, empty.
    const list = await eventually(
      () =>
        custom.listNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: ns,
          plural: 'scaledobjects',
        }) as Promise<{ items: unknown[] }>,
      { what: 'ScaledObjects to be served again' },
    );
    expect(list.items).to.deep.equal([]);
  });
});
