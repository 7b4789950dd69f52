import { expect } from 'chai';
import { kubectl } from '../support/env.js';
import { ExternalMetricsServer } from '../support/external-metrics-server.js';
import { PatternWorld, scalerCondition, reportLatency, type Json } from './patterns.js';

const METRIC = 'orders_waiting';

describe('the hpa engine on the real HPA controller', function () {
  let world: PatternWorld;
  let metrics: ExternalMetricsServer;

  before(async () => {
    metrics = await ExternalMetricsServer.start();
    metrics.set(METRIC, 0);
    await metrics.register(kubectl);
    world = await PatternWorld.start('e2e-hpa');
  });

  after(async () => {
    await world.stop();
    await metrics.unregister(kubectl);
    await metrics.stop();
  });

  it('scales the Deployment out and in with an External metric, and only the HPA controller resizes it', async () => {
    // Every sample in which prism-operator owns spec.replicas is a failure.
    const operatorOwnsReplicas = world.watchFor(async () => {
      const owners = await world.replicasOwners('orders');
      return owners.includes('prism-operator') ? owners.join(',') : undefined;
    }, 250);
    await world.createPattern('orders', {
      pattern: 'consumer',
      backend: 'kafka',
      image: 'registry.invalid/prism/consumer:1',
      autoscaling: {
        enabled: true,
        scaler: 'hpa',
        minReplicas: 1,
        maxReplicas: 6,
        // 10 waiting orders per replica; Pending pods count (AverageValue uses status.replicas only).
        metrics: [
          {
            type: 'External',
            external: {
              metric: { name: METRIC },
              target: { type: 'AverageValue', averageValue: '10' },
            },
          },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
      },
    });
    const ready = await world.patternWhere(
      'orders',
      (p) => scalerCondition(p, 'ScalingActive')?.status === 'True',
      'the HPA to read the metric (ScalingActive=True in the pattern status)',
    );
    expect(ready.status.scaler).to.deep.include({ engine: 'hpa', objectName: 'orders', minReplicas: 1 });
    expect((await world.get(world.deploymentPath('orders'))).spec.replicas).to.equal(1);

    let changed = Date.now();
    metrics.set(METRIC, 35); // ceil(35 / 10) = 4
    await world.replicasReach('orders', 4, 'the HPA to scale orders out to 4');
    reportLatency('hpa: metric raised → spec.replicas 1→4', changed);
    const out = await world.patternWhere(
      'orders',
      (p) => p.status?.scaler?.currentReplicas === 4 && p.status?.scaler?.desiredReplicas === 4,
      'the pattern status to report 4 current and desired replicas',
    );
    expect(out.status.replicas).to.equal(4);
    expect(scalerCondition(out, 'AbleToScale')).to.include({ status: 'True' });
    expect(scalerCondition(out, 'ScalingActive')).to.include({ status: 'True' });

    changed = Date.now();
    metrics.set(METRIC, 15); // ceil(15 / 10) = 2
    await world.replicasReach('orders', 2, 'the HPA to scale orders in to 2');
    reportLatency('hpa: metric lowered → spec.replicas 4→2', changed);
    const back = await world.patternWhere(
      'orders',
      (p) => p.status?.scaler?.currentReplicas === 2 && p.status?.scaler?.desiredReplicas === 2,
      'the pattern status to report 2 current and desired replicas',
    );
    expect(back.status.scaler.lastScaleTime).to.be.a('string');
    expect(metrics.queries.some((q) => q.namespace === world.ns && q.metric === METRIC)).to.equal(true);

    expect(
      await operatorOwnsReplicas.stop(),
      'samples where prism-operator owned spec.replicas',
    ).to.deep.equal([]);
    // The HPA controller (not the operator) resized the Deployment, and said so.
    const rescales = ((await world.get(`/api/v1/namespaces/${world.ns}/events`)).items as Json[])
      .filter((e) => e.reason === 'SuccessfulRescale' && e.involvedObject.name === 'orders')
      .map((e) => String(e.message));
    expect(rescales.some((m) => m.startsWith('New size: 4'))).to.equal(true);
    expect(rescales.some((m) => m.startsWith('New size: 2'))).to.equal(true);
    const hpas = (await world.get(world.hpasPath())).items as Json[];
    expect(hpas.map((h) => h.metadata.name)).to.deep.equal(['orders']);
  });
});
