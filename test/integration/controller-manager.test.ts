import { expect } from 'chai';
import type * as k8s from '@kubernetes/client-node';
import { newNamespace, testEnv } from '../support/env.js';
import { eventually } from '../support/wait.js';

describe('the kube-controller-manager of the local control plane', function () {
  it('turns a Deployment into a ReplicaSet and Pods, and garbage-collects them when it is deleted', async function () {
    this.timeout(90_000);
    const { apps, core } = testEnv();
    const ns = await newNamespace('kcm');
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: { containers: [{ name: 'web', image: 'registry.invalid/web:1' }] },
          },
        },
      },
    });
    const rs = await eventually(
      async () => (await apps.listNamespacedReplicaSet({ namespace: ns })).items[0],
      { what: 'a ReplicaSet for the Deployment' },
    );
    expect(rs.metadata?.ownerReferences?.[0]?.kind).to.equal('Deployment');
    const pods = await eventually(
      async () => {
        const list = (await core.listNamespacedPod({ namespace: ns })).items;
        return list.length === 3 ? list : undefined;
      },
      { what: '3 pods' },
    );
    // No nodes exist, so the pods stay Pending; they are real objects owned by the ReplicaSet.
    expect(pods.map((p: k8s.V1Pod) => p.status?.phase)).to.deep.equal(['Pending', 'Pending', 'Pending']);
    expect(
      pods.every((p: k8s.V1Pod) => p.metadata?.ownerReferences?.[0]?.name === rs.metadata?.name),
    ).to.equal(true);
    await eventually(
      async () =>
        (await apps.readNamespacedDeployment({ name: 'web', namespace: ns })).status?.replicas === 3,
      { what: 'Deployment status.replicas = 3' },
    );

    await apps.deleteNamespacedDeployment({
      name: 'web',
      namespace: ns,
      body: { propagationPolicy: 'Background' },
    });
    await eventually(
      async () =>
        (await apps.listNamespacedReplicaSet({ namespace: ns })).items.length === 0 &&
        (await core.listNamespacedPod({ namespace: ns })).items.length === 0,
      { what: 'the ReplicaSet and Pods to be garbage-collected', timeoutMs: 60_000 },
    );
  });
});
