import { expect } from 'chai';
import { hpaEngine, hpaFor, hpaStatus } from '../../src/scaler/hpa.js';
import type { Finding } from '../../src/scaler/types.js';
import { aPattern, hpaSpecOf, ourHpa } from './scaler-fixtures.js';

const errors = (f: Finding[]) => f.filter((x) => x.severity === 'error').map((x) => x.message);
const warnings = (f: Finding[]) => f.filter((x) => x.severity === 'warning');

const scaleUpFast = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
};
const requestsPerSecond = {
  type: 'Pods',
  pods: {
    metric: { name: 'http_requests_per_second' },
    target: { type: 'AverageValue', averageValue: '10' },
  },
};

describe('hpa engine: the HorizontalPodAutoscaler it builds', () => {
  it('builds an autoscaling/v2 HPA named after the pattern, labelled and owned like every child', () => {
    const hpa = hpaFor(aPattern('orders').withHpa({ targetCPUUtilizationPercentage: 70 }).input());
    expect(hpa.apiVersion).to.equal('autoscaling/v2');
    expect(hpa.kind).to.equal('HorizontalPodAutoscaler');
    expect(hpa.metadata.name).to.equal('orders');
    expect(hpa.metadata.namespace).to.equal('shop');
    expect(hpa.metadata.labels).to.include({
      'app.kubernetes.io/managed-by': 'prism-operator',
      'app.kubernetes.io/instance': 'orders',
      'app.kubernetes.io/name': 'prism-pattern',
    });
    expect(hpa.metadata.ownerReferences).to.deep.equal([
      {
        apiVersion: 'prism.io/v1alpha1',
        kind: 'PrismPattern',
        name: 'orders',
        uid: 'uid-orders',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(hpa.metadata.annotations).to.equal(undefined);
  });

  it('targets the Deployment with an explicit apps/v1 apiVersion and copies the replica bounds', () => {
    const spec = hpaSpecOf(
      hpaFor(aPattern().withHpa({ targetCPUUtilizationPercentage: 70 }).scaling(2, 8).input()),
    );
    expect(spec.scaleTargetRef).to.deep.equal({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'orders' });
    expect(spec.minReplicas).to.equal(2);
    expect(spec.maxReplicas).to.equal(8);
  });

  it('defaults minReplicas to 1', () => {
    const spec = hpaSpecOf(hpaFor(aPattern().withHpa().without('minReplicas').input()));
    expect(spec.minReplicas).to.equal(1);
  });

  it('lists cpu, then memory utilization, then the extra metrics in their order', () => {
    const input = aPattern()
      .withHpa({
        targetCPUUtilizationPercentage: 70,
        targetMemoryUtilizationPercentage: 80,
        metrics: [requestsPerSecond],
      })
      .input();
    expect(hpaSpecOf(hpaFor(input)).metrics).to.deep.equal([
      {
        type: 'Resource',
        resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } },
      },
      {
        type: 'Resource',
        resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 80 } },
      },
      requestsPerSecond,
    ]);
  });

  it('leaves metrics out when none is set, so the API server default (80% cpu) applies', () => {
    expect(hpaSpecOf(hpaFor(aPattern().withHpa().input()))).to.not.have.property('metrics');
  });

  it('passes behavior through unchanged', () => {
    const behavior = { scaleUp: scaleUpFast, scaleDown: { stabilizationWindowSeconds: 300 } };
    expect(hpaSpecOf(hpaFor(aPattern().withHpa({ behavior }).input())).behavior).to.deep.equal(behavior);
  });

  it('never emits an empty policy list (the API server rejects it after defaulting)', () => {
    const behavior = {
      scaleUp: { policies: [] },
      scaleDown: { stabilizationWindowSeconds: 60, policies: [] },
    };
    const input = aPattern().withHpa({ behavior }).input();
    expect(hpaSpecOf(hpaFor(input)).behavior).to.deep.equal({
      scaleDown: { stabilizationWindowSeconds: 60 },
    });
    const w = warnings(hpaEngine.validate(input)).filter((f) => f.reason === 'EmptyPolicyList');
    expect(w.map((f) => f.path)).to.deep.equal([
      'spec.autoscaling.behavior.scaleUp.policies',
      'spec.autoscaling.behavior.scaleDown.policies',
    ]);
  });

  it('leaves behavior out when nothing remains of it', () => {
    const input = aPattern()
      .withHpa({ behavior: { scaleUp: { policies: [] } } })
      .input();
    expect(hpaSpecOf(hpaFor(input))).to.not.have.property('behavior');
  });

  it('is what the engine returns from desired()', () => {
    const input = aPattern().withHpa({ targetCPUUtilizationPercentage: 70 }).input();
    expect(hpaEngine.desired(input)).to.deep.equal([hpaFor(input)]);
    expect(hpaEngine.kinds).to.deep.equal([
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', scalesWorkload: true },
    ]);
  });
});

describe('hpa engine: validation', () => {
  it('accepts a complete, sensible spec without findings', () => {
    const input = aPattern()
      .withHpa({
        targetCPUUtilizationPercentage: 70,
        metrics: [requestsPerSecond],
        behavior: {
          scaleUp: scaleUpFast,
          scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Min' },
        },
      })
      .input();
    expect(hpaEngine.validate(input)).to.deep.equal([]);
  });

  const invalid: [string, Parameters<ReturnType<typeof aPattern>['with']>[0], string][] = [
    [
      'minReplicas 0',
      { minReplicas: 0 },
      'spec.autoscaling.minReplicas: must be at least 1 with the hpa engine',
    ],
    [
      'max below min',
      { minReplicas: 5, maxReplicas: 3 },
      'spec.autoscaling.maxReplicas: must be at least 1 and at least minReplicas (5), got 3',
    ],
    [
      'cpu target 0',
      { targetCPUUtilizationPercentage: 0 },
      'targetCPUUtilizationPercentage: must be an integer percentage >= 1',
    ],
    [
      'window above 3600',
      { behavior: { scaleDown: { stabilizationWindowSeconds: 3601 } } },
      'behavior.scaleDown.stabilizationWindowSeconds: must be an integer between 0 and 3600, got 3601',
    ],
    [
      'negative window',
      { behavior: { scaleUp: { stabilizationWindowSeconds: -1 } } },
      'scaleUp.stabilizationWindowSeconds: must be an integer between 0 and 3600',
    ],
    [
      'policy value 0',
      { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 0, periodSeconds: 15 }] } } },
      'behavior.scaleUp.policies[0].value: must be an integer > 0, got 0',
    ],
    [
      'period above 1800',
      { behavior: { scaleUp: { policies: [{ type: 'Pods', value: 1, periodSeconds: 1801 }] } } },
      'policies[0].periodSeconds: must be an integer between 1 and 1800, got 1801',
    ],
    [
      'period 0',
      { behavior: { scaleDown: { policies: [{ type: 'Percent', value: 10, periodSeconds: 0 }] } } },
      'scaleDown.policies[0].periodSeconds: must be an integer between 1 and 1800',
    ],
    [
      'unknown policy type',
      { behavior: { scaleUp: { policies: [{ type: 'Replicas', value: 1, periodSeconds: 15 }] } } },
      'policies[0].type: must be Pods or Percent, got "Replicas"',
    ],
    [
      'unknown selectPolicy',
      { behavior: { scaleUp: { selectPolicy: 'Maximum' } } },
      'scaleUp.selectPolicy: must be Max, Min or Disabled',
    ],
    [
      'negative tolerance',
      { behavior: { scaleUp: { tolerance: '-0.1' } } },
      'scaleUp.tolerance: must be a quantity >= 0',
    ],
    ['typo in behavior', { behavior: { scaleup: {} } }, 'spec.autoscaling.behavior.scaleup: unknown field'],
    [
      'unknown metric type',
      { metrics: [{ type: 'Custom' }] },
      'metrics[0].type: must be Resource, Pods, Object, External or ContainerResource, got "Custom"',
    ],
    ['metric member missing', { metrics: [{ type: 'Pods' }] }, 'metrics[0].pods: is required for type Pods'],
    [
      'two metric members',
      { metrics: [{ ...requestsPerSecond, external: {} }] },
      'metrics[0].external: must not be set for type Pods; set only pods',
    ],
    [
      'target type vs field',
      {
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageValue: '500m' } },
          },
        ],
      },
      'resource.target.averageUtilization: must be an integer percentage >= 1',
    ],
    [
      'Value for Pods',
      {
        metrics: [{ type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'Value', value: '1' } } }],
      },
      'pods.target.type: must be AverageValue for this metric, got "Value"',
    ],
    [
      'zero quantity',
      {
        metrics: [
          {
            type: 'External',
            external: { metric: { name: 'queue' }, target: { type: 'AverageValue', averageValue: '0' } },
          },
        ],
      },
      'external.target.averageValue: must be a quantity > 0',
    ],
    [
      'metric name missing',
      { metrics: [{ type: 'External', external: { metric: {}, target: { type: 'Value', value: '5' } } }] },
      'external.metric.name: is required',
    ],
    [
      'described object missing',
      {
        metrics: [
          { type: 'Object', object: { metric: { name: 'hits' }, target: { type: 'Value', value: '100' } } },
        ],
      },
      'object.describedObject: is required',
    ],
    [
      'container resource without container',
      {
        metrics: [
          {
            type: 'ContainerResource',
            containerResource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } },
          },
        ],
      },
      'containerResource.container: must be the name of a container',
    ],
  ];

  for (const [what, spec, expected] of invalid) {
    it(`refuses ${what}`, () => {
      const messages = errors(
        hpaEngine.validate(aPattern().withHpa({ targetCPUUtilizationPercentage: 70 }).with(spec).input()),
      );
      expect(messages.join('\n')).to.include(expected);
    });
  }

  it('refuses a missing maxReplicas', () => {
    const messages = errors(hpaEngine.validate(aPattern().withHpa().without('maxReplicas').input()));
    expect(messages).to.include('spec.autoscaling.maxReplicas: is required when autoscaling is enabled');
  });

  it('warns when cpu utilization is asked of a container without a cpu request', () => {
    const input = aPattern().withHpa({ targetCPUUtilizationPercentage: 70 }).withoutRequests().input();
    const [w, ...rest] = warnings(hpaEngine.validate(input));
    expect(rest).to.deep.equal([]);
    expect(w?.reason).to.equal('MissingResourceRequests');
    expect(w?.message).to.include(
      'spec.autoscaling.targetCPUUtilizationPercentage: cpu utilization needs a cpu request on container "runner"',
    );
  });

  it('accepts a limit in place of a request (Kubernetes copies it)', () => {
    const input = aPattern()
      .withHpa({ targetMemoryUtilizationPercentage: 70 })
      .withContainers({ name: 'runner', resources: { limits: { memory: '1Gi' } } })
      .input();
    expect(hpaEngine.validate(input)).to.deep.equal([]);
  });

  it('checks only the named container of a ContainerResource metric', () => {
    const metric = {
      type: 'ContainerResource',
      containerResource: {
        name: 'memory',
        container: 'sidecar',
        target: { type: 'Utilization', averageUtilization: 60 },
      },
    };
    const input = aPattern()
      .withHpa({ metrics: [metric] })
      .withContainers({ name: 'runner', resources: { requests: { memory: '1Gi' } } }, { name: 'sidecar' })
      .input();
    const w = warnings(hpaEngine.validate(input));
    expect(w.map((f) => f.message)).to.deep.equal([
      'spec.autoscaling.metrics[0]: memory utilization needs a memory request on container "sidecar", which has none; set spec.resources.requests.memory (or a LimitRange default), otherwise the HPA cannot compute utilization and does not scale',
    ]);
  });

  it('warns about the implicit 80% cpu target when no metric is set and requests are missing', () => {
    const w = warnings(hpaEngine.validate(aPattern().withHpa().withoutRequests().input()));
    expect(w[0]?.message).to.include('no metric is set, so the HPA uses 80% cpu');
  });

  it('warns that KEDA-only fields are ignored by the hpa engine', () => {
    const input = aPattern()
      .withHpa({ targetCPUUtilizationPercentage: 70, pollingInterval: 15, paused: true })
      .input();
    const w = warnings(hpaEngine.validate(input));
    expect(w.map((f) => [f.reason, f.path])).to.deep.equal([
      ['IgnoredField', 'spec.autoscaling.pollingInterval'],
      ['IgnoredField', 'spec.autoscaling.paused'],
    ]);
    expect(w[0]?.message).to.include('set scaler: keda to use it');
  });
});

describe('hpa engine: status', () => {
  const input = aPattern().withHpa({ targetCPUUtilizationPercentage: 70 }).scaling(2, 10).input();

  it('reports the engine, name and bounds before the HPA is observed', () => {
    expect(hpaStatus(undefined, input)).to.deep.equal({
      engine: 'hpa',
      objectName: 'orders',
      minReplicas: 2,
      maxReplicas: 10,
    });
  });

  it("reads replicas, last scale time and the HPA's own conditions from the observed HPA", () => {
    const observed = ourHpa({
      spec: { minReplicas: 2, maxReplicas: 10 },
      status: {
        currentReplicas: 3,
        desiredReplicas: 4,
        lastScaleTime: '2026-11-23T10:00:00Z',
        conditions: [
          {
            type: 'AbleToScale',
            status: 'True',
            reason: 'SucceededRescale',
            message: 'the HPA controller was able to update the target scale to 4',
          },
          { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound', message: '' },
          { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange' },
          { type: 'SomethingElse', status: 'True' },
        ],
      },
    });
    expect(hpaStatus(observed, input)).to.deep.equal({
      engine: 'hpa',
      objectName: 'orders',
      minReplicas: 2,
      maxReplicas: 10,
      currentReplicas: 3,
      desiredReplicas: 4,
      lastScaleTime: '2026-11-23T10:00:00Z',
      active: true,
      conditions: [
        {
          type: 'AbleToScale',
          status: 'True',
          reason: 'SucceededRescale',
          message: 'the HPA controller was able to update the target scale to 4',
        },
        { type: 'ScalingActive', status: 'True', reason: 'ValidMetricFound' },
        { type: 'ScalingLimited', status: 'False', reason: 'DesiredWithinRange' },
      ],
    });
  });

  it('claims nothing about activity until the HPA controller has written a status', () => {
    const justApplied = ourHpa({ spec: { minReplicas: 2, maxReplicas: 10 } });
    expect(hpaStatus(justApplied, input)).to.deep.equal(hpaStatus(undefined, input));
  });

  it('is not active while ScalingActive is False (e.g. the Deployment is at 0)', () => {
    const observed = ourHpa({
      status: {
        currentReplicas: 0,
        desiredReplicas: 0,
        conditions: [{ type: 'ScalingActive', status: 'False', reason: 'ScalingDisabled' }],
      },
    });
    expect(hpaStatus(observed, input).active).to.equal(false);
  });
});
