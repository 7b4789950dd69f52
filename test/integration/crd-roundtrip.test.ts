import { expect } from 'chai';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { crdDir } from '../support/paths.js';
import { eventually } from '../support/wait.js';

const GROUP = 'prism.io';
const VERSION = 'v1alpha1';
const PLURAL = 'prismpatterns';

interface PatternObject {
  metadata: { name: string; namespace: string; generation?: number; resourceVersion?: string };
  spec: Record<string, unknown>;
  status?: Record<string, unknown>;
}

describe('a PrismPattern custom resource', function () {
  let custom: k8s.CustomObjectsApi;
  let ns: string;

  before(async function () {
    this.timeout(60_000);
    const { kubeConfig } = testEnv();
    custom = kubeConfig.makeApiClient(k8s.CustomObjectsApi);
    // Installed the way users install it. (client-node's KubernetesObjectApi would run the raw YAML
    // through its typed model serializer, which drops keys such as x-kubernetes-preserve-unknown-fields.)
    await kubectl(
      'apply',
      '--server-side',
      '--field-manager=prism-tests',
      '-f',
      join(crdDir, 'prism.io_prismpatterns.yaml'),
    );
    const ext = kubeConfig.makeApiClient(k8s.ApiextensionsV1Api);
    await eventually(
      async () => {
        const got = await ext.readCustomResourceDefinition({ name: `${PLURAL}.${GROUP}` });
        return got.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True');
      },
      { what: 'the PrismPattern CRD to become Established' },
    );
    ns = await newNamespace('crd');
  });

  it('round-trips create, get, status patch through the status subresource, and delete', async () => {
    const body = {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'PrismPattern',
      metadata: { name: 'orders', namespace: ns },
      spec: { pattern: 'consumer', backend: 'kafka', image: 'registry.invalid/consumer:1' },
    };
    // The CRD may be Established a moment before its endpoint is served everywhere.
    await eventually(
      () =>
        custom.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          namespace: ns,
          plural: PLURAL,
          body,
        }),
      {
        what: 'create to succeed',
      },
    );
    const got = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
      name: 'orders',
    })) as PatternObject;
    expect(got.spec).to.deep.include({ pattern: 'consumer', backend: 'kafka' });
    expect(got.metadata.generation).to.equal(1);

    const patched = (await custom.patchNamespacedCustomObjectStatus(
      {
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: PLURAL,
        name: 'orders',
        body: { status: { phase: 'Running', observedGeneration: 1 } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as PatternObject;
    expect(patched.status).to.deep.equal({ phase: 'Running', observedGeneration: 1 });
    // A status write through the subresource does not bump the generation.
    expect(patched.metadata.generation).to.equal(1);

    // Writes to the main resource ignore status: the subresource is really separate.
    const mainPatch = (await custom.patchNamespacedCustomObject(
      {
        group: GROUP,
        version: VERSION,
        namespace: ns,
        plural: PLURAL,
        name: 'orders',
        body: { spec: { replicas: 2 }, status: { phase: 'Bogus' } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    )) as PatternObject;
    expect(mainPatch.status).to.deep.equal({ phase: 'Running', observedGeneration: 1 });
    expect(mainPatch.metadata.generation).to.equal(2);

    await custom.deleteNamespacedCustomObject({
      group: GROUP,
      version: VERSION,
      namespace: ns,
      plural: PLURAL,
      name: 'orders',
    });
    await eventually(
      async () => {
        try {
          await custom.getNamespacedCustomObject({
            group: GROUP,
            version: VERSION,
            namespace: ns,
            plural: PLURAL,
            name: 'orders',
          });
          return false;
        } catch (err) {
          return err instanceof k8s.ApiException && err.code === 404;
        }
      },
      { what: 'the PrismPattern to be gone' },
    );
  });
});
