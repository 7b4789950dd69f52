import { expect } from 'chai';
import { hpaEngine } from '../../src/scaler/hpa.js';
import {
  kedaEngine,
  kedaHpaName,
  kedaStatus,
  scaledObjectFor,
  triggerAuthenticationsFor,
} from '../../src/scaler/keda.js';
import { defaultRegistry, desiredEngine, engineFor, ScalerRegistry } from '../../src/scaler/registry.js';
import { ScalerError } from '../../src/scaler/findings.js';
import type { Finding, ScalerEngine } from '../../src/scaler/types.js';
import {
  aPattern,
  cpuTrigger,
  kafkaTrigger,
  memoryTrigger,
  natsTrigger,
  ourScaledObject,
  prometheusTrigger,
  rabbitTrigger,
  redisTrigger,
  secret,
  soSpecOf,
  withoutKeys,
} from './scaler-fixtures.js';

const errors = (f: Finding[]) => f.filter((x) => x.severity === 'error');
const warnings = (f: Finding[]) => f.filter((x) => x.severity === 'warning');
const soFor = (b: ReturnType<typeof aPattern>) => scaledObjectFor(b.input());

describe('keda engine: the ScaledObject it builds', () => {
  it('builds a keda.sh/v1alpha1 ScaledObject named after the pattern, labelled and owned like every child', () => {
    const so = soFor(aPattern('orders').withKeda(kafkaTrigger()));
    expect(so.apiVersion).to.equal('keda.sh/v1alpha1');
    expect(so.kind).to.equal('ScaledObject');
    expect(so.metadata.name).to.equal('orders');
    expect(so.metadata.namespace).to.equal('shop');
    expect(so.metadata.labels).to.include({ 'app.kubernetes.io/managed-by': 'prism-operator' });
    expect(so.metadata.ownerReferences?.[0]).to.include({
      kind: 'PrismPattern',
      name: 'orders',
      controller: true,
    });
    expect(so.metadata.annotations).to.equal(undefined);
  });

  it('writes every spec field it is given, and only those', () => {
    const input = aPattern()
      .withKeda(kafkaTrigger({}, { name: 'lag' }))
      .scaling(1, 30)
      .with({
        pollingInterval: 15,
        cooldownPeriod: 120,
        initialCooldownPeriod: 60,
        idleReplicaCount: 0,
        fallback: { failureThreshold: 3, replicas: 6, behavior: 'currentReplicasIfHigher' },
        advanced: {
          restoreToOriginalReplicaCount: true,
          horizontalPodAutoscalerConfig: {
            name: 'orders-keda',
            behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
          },
          scalingModifiers: {
            formula: 'lag * 2',
            target: '100',
            activationTarget: '1',
            metricType: 'AverageValue',
          },
        },
      })
      .input();
    expect(scaledObjectFor(input).spec).to.deep.equal({
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders' },
      minReplicaCount: 1,
      maxReplicaCount: 30,
      pollingInterval: 15,
      cooldownPeriod: 120,
      initialCooldownPeriod: 60,
      idleReplicaCount: 0,
      fallback: { failureThreshold: 3, replicas: 6, behavior: 'currentReplicasIfHigher' },
      advanced: {
        restoreToOriginalReplicaCount: true,
        horizontalPodAutoscalerConfig: {
          name: 'orders-keda',
          behavior: { scaleDown: { stabilizationWindowSeconds: 60 } },
        },
        scalingModifiers: {
          formula: 'lag * 2',
          target: '100',
          activationTarget: '1',
          metricType: 'AverageValue',
        },
      },
      triggers: [
        {
          type: 'kafka',
          name: 'lag',
          metadata: {
            bootstrapServers: 'kafka-0.kafka:9092,kafka-1.kafka:9092',
            consumerGroup: 'orders',
            topic: 'orders',
            lagThreshold: '100',
          },
        },
      ],
    });
    expect(errors(kedaEngine.validate(input))).to.deep.equal([]);
  });

  it('always writes minReplicaCount (KEDA would default it to 0) and leaves advanced out when empty', () => {
    const spec = soSpecOf(soFor(aPattern().withKeda(kafkaTrigger()).without('minReplicas')));
    expect(spec.minReplicaCount).to.equal(1);
    expect(spec).to.not.have.property('advanced');
    expect(spec).to.not.have.property('pollingInterval');
  });

  it('sends every metadata value as a string', () => {
    const t = kafkaTrigger({
      lagThreshold: 1000,
      allowIdleConsumers: false,
      activationLagThreshold: 0,
      version: '3.6.0',
    });
    const [trigger] = soSpecOf(soFor(aPattern().withKeda(t))).triggers;
    expect(trigger?.metadata).to.include({
      lagThreshold: '1000',
      allowIdleConsumers: 'false',
      activationLagThreshold: '0',
      version: '3.6.0',
    });
    for (const v of Object.values(trigger?.metadata ?? {})) expect(v).to.be.a('string');
  });

  it('always sends metadata, even when empty', () => {
    const so = soFor(aPattern().withKeda({ type: 'external-push' }));
    expect(soSpecOf(so).triggers[0]?.metadata).to.deep.equal({});
  });

  it('passes name, metricType and useCachedMetrics through', () => {
    const t = prometheusTrigger({}, { name: 'rps', metricType: 'Value', useCachedMetrics: true });
    expect(soSpecOf(soFor(aPattern().withKeda(t))).triggers[0]).to.include({
      type: 'prometheus',
      name: 'rps',
      metricType: 'Value',
      useCachedMetrics: true,
    });
  });

  it("feeds the spec's shared behavior to KEDA's HPA, without empty policy lists", () => {
    const behavior = { scaleUp: { policies: [] }, scaleDown: { stabilizationWindowSeconds: 120 } };
    const spec = soSpecOf(soFor(aPattern().withKeda(kafkaTrigger()).with({ behavior })));
    expect(spec.advanced).to.deep.equal({
      horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 120 } } },
    });
  });

  it('prefers advanced.horizontalPodAutoscalerConfig.behavior over the shared behavior', () => {
    const spec = soSpecOf(
      soFor(
        aPattern()
          .withKeda(kafkaTrigger())
          .with({
            behavior: { scaleDown: { stabilizationWindowSeconds: 120 } },
            advanced: {
              horizontalPodAutoscalerConfig: { behavior: { scaleDown: { stabilizationWindowSeconds: 30 } } },
            },
          }),
      ),
    );
    expect(spec.advanced?.horizontalPodAutoscalerConfig?.behavior).to.deep.equal({
      scaleDown: { stabilizationWindowSeconds: 30 },
    });
  });

  it('returns the ScaledObject first, then its TriggerAuthentications', () => {
    const input = aPattern()
      .withKeda(kafkaTrigger({}, { secretTargetRef: [secret('password')] }))
      .input();
    expect(kedaEngine.desired(input).map((o) => `${o.kind}/${o.metadata.name}`)).to.deep.equal([
      'ScaledObject/orders',
      'TriggerAuthentication/orders-kafka-0',
    ]);
  });
});

describe('keda engine: pausing', () => {
  it('pauses with autoscaling.keda.sh/paused: "true"', () => {
    const so = soFor(aPattern().withKeda(kafkaTrigger()).with({ paused: true }));
    expect(so.metadata.annotations).to.deep.equal({ 'autoscaling.keda.sh/paused': 'true' });
  });

  it('pauses at a replica count with autoscaling.keda.sh/paused-replicas', () => {
    const so = soFor(aPattern().withKeda(kafkaTrigger()).with({ pausedReplicas: 0 }));
    expect(so.metadata.annotations).to.deep.equal({ 'autoscaling.keda.sh/paused-replicas': '0' });
  });

  it('writes no pause annotation when paused is false', () => {
    expect(soFor(aPattern().withKeda(kafkaTrigger()).with({ paused: false })).metadata.annotations).to.equal(
      undefined,
    );
  });

  it('warns that paused changes nothing while pausedReplicas is set', () => {
    const input = aPattern().withKeda(kafkaTrigger()).with({ paused: true, pausedReplicas: 2 }).input();
    expect(warnings(kedaEngine.validate(input)).map((f) => f.path)).to.include('spec.autoscaling.paused');
  });
});

describe('keda engine: TriggerAuthentications', () => {
  const withSecrets = kafkaTrigger(
    { sasl: 'scram_sha512', tls: 'enable' },
    {
      name: 'orders-lag',
      secretTargetRef: [secret('username', 'kafka-creds', 'user'), secret('password', 'kafka-creds', 'pass')],
    },
  );

  it('creates one TriggerAuthentication per trigger with secrets, named <pattern>-<trigger name>', () => {
    const [ta, ...rest] = triggerAuthenticationsFor(aPattern().withKeda(withSecrets).input());
    expect(rest).to.deep.equal([]);
    expect(ta?.apiVersion).to.equal('keda.sh/v1alpha1');
    expect(ta?.kind).to.equal('TriggerAuthentication');
    expect(ta?.metadata.name).to.equal('orders-orders-lag');
    expect(ta?.metadata.labels).to.include({ 'app.kubernetes.io/managed-by': 'prism-operator' });
    expect(ta?.metadata.ownerReferences?.[0]).to.include({ kind: 'PrismPattern', name: 'orders' });
    expect(ta?.spec).to.deep.equal({
      secretTargetRef: [
        { parameter: 'username', name: 'kafka-creds', key: 'user' },
        { parameter: 'password', name: 'kafka-creds', key: 'pass' },
      ],
    });
  });

  it('points authenticationRef at that TriggerAuthentication, never at the Secret', () => {
    const input = aPattern().withKeda(withSecrets).input();
    const [trigger] = soSpecOf(scaledObjectFor(input)).triggers;
    expect(trigger?.authenticationRef).to.deep.equal({
      name: 'orders-orders-lag',
      kind: 'TriggerAuthentication',
    });
    expect(trigger?.authenticationRef?.name).to.not.equal('kafka-creds');
    const names = triggerAuthenticationsFor(input).map((o) => o.metadata.name);
    expect(names).to.include(trigger?.authenticationRef?.name);
    expect(trigger).to.not.have.property('secretTargetRef');
  });

  it('names the TriggerAuthentication of an unnamed trigger after its type and position', () => {
    const input = aPattern()
      .withKeda(kafkaTrigger(), rabbitTrigger({}, { secretTargetRef: [secret('host', 'rabbit', 'url')] }))
      .with({ minReplicas: 1 })
      .input();
    expect(triggerAuthenticationsFor(input).map((o) => o.metadata.name)).to.deep.equal(['orders-rabbitmq-1']);
    expect(soSpecOf(scaledObjectFor(input)).triggers[0]).to.not.have.property('authenticationRef');
  });

  it('passes an explicit authenticationRef through, defaulting kind to TriggerAuthentication, and generates nothing', () => {
    const input = aPattern()
      .withKeda(
        kafkaTrigger({}, { authenticationRef: { name: 'shared-kafka' } }),
        natsTrigger(
          {},
          { authenticationRef: { name: 'nats-cluster', kind: 'ClusterTriggerAuthentication' } },
        ),
      )
      .input();
    const triggers = soSpecOf(scaledObjectFor(input)).triggers;
    expect(triggers.map((t) => t.authenticationRef)).to.deep.equal([
      { name: 'shared-kafka', kind: 'TriggerAuthentication' },
      { name: 'nats-cluster', kind: 'ClusterTriggerAuthentication' },
    ]);
    expect(triggerAuthenticationsFor(input)).to.deep.equal([]);
  });

  it("uses the backend's secrets for triggers that bring neither authenticationRef nor secretTargetRef", () => {
    const input = aPattern('orders')
      .withKeda(
        redisTrigger(),
        redisTrigger({}, { name: 'own', secretTargetRef: [secret('password', 'mine', 'pw')] }),
        redisTrigger({}, { name: 'shared', authenticationRef: { name: 'shared' } }),
      )
      .withBackend('redis', {}, [secret('password', 'orders-redis', 'redis-password')])
      .input();
    const tas = triggerAuthenticationsFor(input);
    expect(tas.map((o) => [o.metadata.name, o.spec])).to.deep.equal([
      [
        'orders-redis-0',
        { secretTargetRef: [{ parameter: 'password', name: 'orders-redis', key: 'redis-password' }] },
      ],
      ['orders-own', { secretTargetRef: [{ parameter: 'password', name: 'mine', key: 'pw' }] }],
    ]);
    expect(soSpecOf(scaledObjectFor(input)).triggers.map((t) => t.authenticationRef?.name)).to.deep.equal([
      'orders-redis-0',
      'orders-own',
      'shared',
    ]);
  });

  it('refuses a trigger name that cannot name a TriggerAuthentication', () => {
    const input = aPattern()
      .withKeda(kafkaTrigger({}, { name: 'Orders_Lag', secretTargetRef: [secret('password')] }))
      .input();
    expect(errors(kedaEngine.validate(input)).map((f) => f.message)).to.include(
      'spec.autoscaling.triggers[0].name: gives the TriggerAuthentication name "orders-Orders_Lag", which is not a valid object name; use lowercase letters, digits and -',
    );
  });

  it('refuses both authenticationRef and secretTargetRef on one trigger', () => {
    const t = kafkaTrigger({}, { authenticationRef: { name: 'x' }, secretTargetRef: [secret('password')] });
    expect(errors(kedaEngine.validate(aPattern().withKeda(t).input()))[0]?.message).to.equal(
      'spec.autoscaling.triggers[0]: use either authenticationRef or secretTargetRef, not both',
    );
  });
});

describe('keda engine: the deprecated cpu/memory form', () => {
  const legacyCpu = { type: 'cpu', metadata: { type: 'Utilization', value: '60' } };

  it('moves metadata.type to the trigger-level metricType', () => {
    const [trigger] = soSpecOf(soFor(aPattern().withKeda(legacyCpu))).triggers;
    expect(trigger).to.deep.equal({ type: 'cpu', metadata: { value: '60' }, metricType: 'Utilization' });
  });

  it('warns with reason DeprecatedTriggerForm, so the reconciler can emit a Warning event', () => {
    const findings = kedaEngine.validate(aPattern().withKeda(legacyCpu).input());
    expect(errors(findings)).to.deep.equal([]);
    const [w] = warnings(findings);
    expect(w?.reason).to.equal('DeprecatedTriggerForm');
    expect(w?.path).to.equal('spec.autoscaling.triggers[0].metadata.type');
    expect(w?.message).to.include('it was sent as metricType: Utilization');
    expect(w?.message).to.include('Move it to spec.autoscaling.triggers[0].metricType');
  });

  it('translates the AverageValue form of memory too', () => {
    const t = { type: 'memory', metadata: { type: 'AverageValue', value: '512Mi' } };
    const [trigger] = soSpecOf(soFor(aPattern().withKeda(t))).triggers;
    expect(trigger).to.deep.equal({
      type: 'memory',
      metadata: { value: '512Mi' },
      metricType: 'AverageValue',
    });
  });

  it('refuses a metadata.type that contradicts metricType', () => {
    const t = {
      type: 'cpu',
      metadata: { type: 'AverageValue', value: '60' },
      metricType: 'Utilization' as const,
    };
    expect(errors(kedaEngine.validate(aPattern().withKeda(t).input()))[0]?.message).to.equal(
      'spec.autoscaling.triggers[0].metadata.type: says AverageValue but metricType says Utilization; remove metadata.type',
    );
  });
});

describe('keda engine: metadata derived from a PrismBackend', () => {
  it('merges derived metadata under the explicit one: explicit wins', () => {
    const input = aPattern()
      .withKeda(withoutKeys(kafkaTrigger({ topic: 'orders-v2' }), 'bootstrapServers'))
      .withBackend('kafka', { bootstrapServers: 'kafka.backends:9092', topic: 'orders', tls: 'enable' })
      .input();
    expect(soSpecOf(scaledObjectFor(input)).triggers[0]?.metadata).to.deep.equal({
      bootstrapServers: 'kafka.backends:9092',
      topic: 'orders-v2',
      tls: 'enable',
      consumerGroup: 'orders',
      lagThreshold: '100',
    });
    expect(errors(kedaEngine.validate(input))).to.deep.equal([]);
  });

  it('lets an explicit <key>FromEnv beat a derived <key>', () => {
    const input = aPattern()
      .withKeda(withoutKeys(kafkaTrigger({ bootstrapServersFromEnv: 'KAFKA_BROKERS' }), 'bootstrapServers'))
      .withBackend('kafka', { bootstrapServers: 'kafka.backends:9092' })
      .input();
    const metadata = soSpecOf(scaledObjectFor(input)).triggers[0]?.metadata;
    expect(metadata).to.not.have.property('bootstrapServers');
    expect(metadata).to.include({ bootstrapServersFromEnv: 'KAFKA_BROKERS' });
  });

  it('drops the derived connection form the user replaced with another (redis address vs host/port)', () => {
    const input = aPattern()
      .withKeda(redisTrigger({ address: 'my-redis:6379' }))
      .withBackend('redis', { host: 'redis.backends', port: '6379', enableTLS: 'true' })
      .input();
    expect(soSpecOf(scaledObjectFor(input)).triggers[0]?.metadata).to.deep.equal({
      enableTLS: 'true',
      address: 'my-redis:6379',
      listName: 'orders',
      listLength: '10',
    });
  });

  it('validates after merging, so a backend can supply a required key', () => {
    const bare = aPattern().withKeda(withoutKeys(kafkaTrigger(), 'bootstrapServers'));
    expect(errors(kedaEngine.validate(bare.input())).map((f) => f.path)).to.deep.equal([
      'spec.autoscaling.triggers[0].metadata.bootstrapServers',
    ]);
    const backed = bare.withBackend('kafka', { bootstrapServers: 'kafka.backends:9092' });
    expect(errors(kedaEngine.validate(backed.input()))).to.deep.equal([]);
  });
});

describe('keda engine: status', () => {
  const input = aPattern().withKeda(kafkaTrigger()).scaling(0, 20).input();

  it('reports the engine, name and bounds before the ScaledObject is observed', () => {
    expect(kedaStatus(undefined, input)).to.deep.equal({
      engine: 'keda',
      objectName: 'orders',
      minReplicas: 0,
      maxReplicas: 20,
    });
  });

  it("reads KEDA's conditions, Active and Paused from the observed ScaledObject", () => {
    const observed = ourScaledObject({
      spec: { minReplicaCount: 0, maxReplicaCount: 20 },
      status: {
        hpaName: 'keda-hpa-orders',
        conditions: [
          {
            type: 'Ready',
            status: 'True',
            reason: 'ScaledObjectReady',
            message: 'ScaledObject is defined correctly and is ready for scaling',
          },
          {
            type: 'Active',
            status: 'True',
            reason: 'ScalerActive',
            message: 'Scaling is performed because triggers are active',
          },
          {
            type: 'Fallback',
            status: 'False',
            reason: 'NoFallbackFound',
            message: 'No fallbacks are active on this scaled object',
          },
          {
            type: 'Paused',
            status: 'False',
            reason: 'ScaledObjectUnpaused',
            message: 'pause annotation removed for ScaledObject',
          },
          { type: 'HPAActive', status: 'True' },
        ],
      },
    });
    const status = kedaStatus(observed, input);
    expect(status).to.deep.include({
      engine: 'keda',
      objectName: 'orders',
      active: true,
      paused: false,
      minReplicas: 0,
      maxReplicas: 20,
    });
    expect(status.conditions?.map((c) => c.type)).to.deep.equal(['Ready', 'Active', 'Fallback', 'Paused']);
    expect(status).to.not.have.property('currentReplicas');
  });

  it('claims nothing about activity until KEDA has written a status', () => {
    const justApplied = ourScaledObject({ spec: { minReplicaCount: 0, maxReplicaCount: 20 } });
    expect(kedaStatus(justApplied, input)).to.deep.equal(kedaStatus(undefined, input));
  });

  it('reports paused when KEDA holds the workload at pausedReplicaCount', () => {
    const observed = ourScaledObject({ status: { pausedReplicaCount: 0, conditions: [] } });
    expect(kedaStatus(observed, input)).to.deep.include({ paused: true, active: false });
  });

  it("names KEDA's HPA from status.hpaName, else the custom name, else keda-hpa-<name>", () => {
    expect(kedaHpaName(input.spec, 'orders')).to.equal('keda-hpa-orders');
    const custom = { ...input.spec, advanced: { horizontalPodAutoscalerConfig: { name: 'orders-scaler' } } };
    expect(kedaHpaName(custom, 'orders')).to.equal('orders-scaler');
    expect(kedaHpaName(custom, 'orders', ourScaledObject({ status: { hpaName: 'adopted' } }))).to.equal(
      'adopted',
    );
  });
});

describe('scaler registry', () => {
  it('picks hpa by default and keda when asked', () => {
    expect(engineFor(undefined).name).to.equal('hpa');
    expect(engineFor({ enabled: true }).name).to.equal('hpa');
    expect(engineFor({ enabled: true, scaler: 'keda' })).to.equal(kedaEngine);
  });

  it('wants no engine while autoscaling is off', () => {
    expect(desiredEngine(undefined)).to.equal(undefined);
    expect(desiredEngine({ scaler: 'keda' })).to.equal(undefined);
    expect(desiredEngine({ enabled: true, scaler: 'keda' })).to.equal(kedaEngine);
  });

  it('refuses an unregistered engine with a reason', () => {
    const spec = { enabled: true, scaler: 'vpa' } as unknown as Parameters<typeof engineFor>[0];
    expect(() => engineFor(spec)).to.throw(ScalerError, 'scaler "vpa" is not one of hpa, keda');
  });

  it('takes a third engine by registering it, kinds included', () => {
    const fake: ScalerEngine = {
      name: 'vpa',
      kinds: [{ apiVersion: 'autoscaling.k8s.io/v1', kind: 'VerticalPodAutoscaler', scalesWorkload: true }],
      scalesFromZero: false,
      validate: () => [],
      desired: () => [],
      status: () => undefined,
    };
    const registry = new ScalerRegistry().register(hpaEngine).register(kedaEngine).register(fake);
    const spec = { enabled: true, scaler: 'vpa' } as unknown as Parameters<typeof engineFor>[0];
    expect(registry.engineFor(spec)).to.equal(fake);
    expect(registry.kinds().map((k) => k.kind)).to.deep.equal([
      'HorizontalPodAutoscaler',
      'ScaledObject',
      'TriggerAuthentication',
      'VerticalPodAutoscaler',
    ]);
    expect(registry.engineOwningKind('autoscaling.k8s.io/v1', 'VerticalPodAutoscaler')).to.equal(fake);
    expect(() => registry.register(fake)).to.throw('already registered');
  });

  it('maps each watched kind to the engine that creates it', () => {
    expect(defaultRegistry.engineOwningKind('autoscaling/v2', 'HorizontalPodAutoscaler')).to.equal(hpaEngine);
    expect(defaultRegistry.engineOwningKind('keda.sh/v1alpha1', 'TriggerAuthentication')).to.equal(
      kedaEngine,
    );
    expect(defaultRegistry.engineOwningKind('v1', 'Secret')).to.equal(undefined);
  });
});

describe('keda engine: a complete, sensible spec', () => {
  it('validates without findings', () => {
    const input = aPattern()
      .withKeda(
        kafkaTrigger({}, { name: 'lag' }),
        cpuTrigger(70, { name: 'cpu' }),
        memoryTrigger('512Mi', { metricType: 'AverageValue' }),
      )
      .scaling(1, 20)
      .with({ fallback: { failureThreshold: 3, replicas: 5 } })
      .input();
    expect(kedaEngine.validate(input)).to.deep.equal([]);
  });
});
