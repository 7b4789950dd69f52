import { expect } from 'chai';
import { Keda } from '../../src/controlplane/keda.js';
import { testEnv } from '../support/env.js';
import { binDir } from '../support/paths.js';
import { RedisServer } from '../support/redis.js';
import { condition, PatternWorld, reportLatency, scalerCondition, type Json } from './patterns.js';

describe('the keda engine on real KEDA with a redis list', function () {
  let world: PatternWorld;
  let keda: Keda;
  let redis: RedisServer;

  before(async () => {
    [redis, keda] = await Promise.all([RedisServer.start(), Keda.start(testEnv().controlPlane, { binDir })]);
    world = await PatternWorld.start('e2e-keda');
  });

  after(async () => {
    await world.stop();
    await keda.stop();
    await redis.stop();
  });

  /** A consumer of the redis list `list`: one replica per 5 waiting items, checked every second. */
  const consumer = (list: string, minReplicas: number): Json => ({
    pattern: 'consumer',
    backend: 'redis',
    image: 'registry.invalid/prism/consumer:1',
    resources: { requests: { cpu: '100m' } },
    autoscaling: {
      enabled: true,
      scaler: 'keda',
      minReplicas,
      maxReplicas: 6,
      pollingInterval: 1,
      cooldownPeriod: 5,
      behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
      triggers: [
        {
          type: 'redis',
          metadata: { address: redis.address, listName: list, listLength: 5, activationListLength: 0 },
        },
      ],
    },
  });

  const scaledObjectReady = (name: string) =>
    world.patternWhere(
      name,
      (p) => p.status?.scaler?.engine === 'keda' && scalerCondition(p, 'Ready')?.status === 'True',
      `KEDA to report ScaledObject ${name} Ready in the pattern status`,
    );

  it('activates and scales out when items are pushed, and scales in to minReplicaCount when drained', async () => {
    await world.createPattern('orders', consumer('orders', 1));
    await scaledObjectReady('orders');
    // Active is Unknown until KEDA's first poll of the empty list.
    const ready = await world.patternWhere(
      'orders',
      (p) => scalerCondition(p, 'Active')?.status === 'False',
      'KEDA to report the empty list inactive (Active=False)',
    );
    expect(ready.status.scaler.active).to.equal(false);
    await world.replicasReach('orders', 1);

    let changed = Date.now();
    await redis.push('orders', 20); // 20 / 5 = 4 replicas
    await world.replicasReach('orders', 4, 'KEDA to scale orders out to 4');
    reportLatency('keda: 20 items pushed → spec.replicas 1→4', changed);
    const busy = await world.patternWhere(
      'orders',
      (p) => p.status?.scaler?.active === true && p.status?.scaler?.currentReplicas === 4,
      'the pattern status to show an active ScaledObject with 4 replicas',
    );
    expect(scalerCondition(busy, 'Active')).to.include({ status: 'True' });
    const so = await world.get(world.soPath('orders'));
    expect(condition(so, 'Active')).to.include({ status: 'True' });

    changed = Date.now();
    await redis.drain('orders');
    await world.replicasReach('orders', 1, 'KEDA to scale orders in to minReplicaCount 1');
    reportLatency('keda: list drained → spec.replicas 4→1', changed);
    const idle = await world.patternWhere(
      'orders',
      (p) => p.status?.scaler?.active === false,
      'the pattern status to show the ScaledObject inactive again',
    );
    expect(scalerCondition(idle, 'Active')).to.include({ status: 'False' });
  });

  it('scales from zero on the first item and back to zero after the cooldown (phase ScaledToZero)', async () => {
    await world.createPattern('nightly', consumer('nightly', 0));
    await scaledObjectReady('nightly');
    await world.replicasReach('nightly', 0, 'KEDA to scale the idle nightly consumer to zero');
    await world.patternWhere('nightly', (p) => p.status?.phase === 'ScaledToZero', 'phase ScaledToZero');

    let changed = Date.now();
    await redis.push('nightly', 3); // active (3 > 0), and ceil(3 / 5) = 1 replica
    await world.replicasReach('nightly', 1, 'KEDA to activate nightly from zero');
    reportLatency('keda: first item pushed → spec.replicas 0→1', changed);
    await world.patternWhere(
      'nightly',
      (p) => p.status?.phase !== 'ScaledToZero' && p.status?.scaler?.active === true,
      'the pattern to leave ScaledToZero with an active scaler',
    );

    changed = Date.now();
    await redis.drain('nightly');
    await world.replicasReach('nightly', 0, 'KEDA to scale nightly back to zero after the cooldown');
    reportLatency('keda: list drained → spec.replicas 1→0 (cooldownPeriod 5 s)', changed);
    await world.patternWhere(
      'nightly',
      (p) => p.status?.phase === 'ScaledToZero',
      'phase ScaledToZero again',
    );
  });

  it('switches a KEDA-scaled pattern to the hpa engine and back without two autoscalers at once', async () => {
    // Every moment something other than exactly one autoscaler chain targets orders is recorded.
    const overlap = world.watchFor(async () => {
      const [hpas, so] = await Promise.all([
        world.get(world.hpasPath()),
        world.tryGet(world.soPath('orders')),
      ]);
      const targeting = (hpas.items as Json[]).filter((h) => h.spec.scaleTargetRef.name === 'orders');
      const operatorHpa = targeting.some((h) => h.metadata.name === 'orders');
      if (targeting.length > 1 || (operatorHpa && so)) {
        return `${new Date().toISOString()}: HPAs ${targeting.map((h) => h.metadata.name).join(',')}, ScaledObject ${so ? 'present' : 'absent'}`;
      }
      return undefined;
    });

    await world.patchSpec('orders', {
      autoscaling: {
        scaler: 'hpa',
        triggers: null,
        pollingInterval: null,
        cooldownPeriod: null,
        targetCPUUtilizationPercentage: 60,
      },
    });
    await world.patternWhere(
      'orders',
      (p) => p.status?.scaler?.engine === 'hpa' && p.status?.scaler?.objectName === 'orders',
      'the pattern to report the hpa engine',
    );
    expect(await world.tryGet(world.soPath('orders'))).to.equal(undefined);

    const back = consumer('orders', 1);
    await world.patchSpec('orders', {
      autoscaling: { ...back.autoscaling, targetCPUUtilizationPercentage: null },
    });
    await scaledObjectReady('orders');
    expect(await world.tryGet(world.hpaPath('orders'))).to.equal(undefined);
    // Still scales after the round trip.
    await redis.push('orders', 10);
    await world.replicasReach('orders', 2, 'KEDA to scale orders to 2 after switching back');
    await redis.drain('orders');

    expect(await overlap.stop(), 'moments with two autoscalers targeting orders').to.deep.equal([]);
  });
});
