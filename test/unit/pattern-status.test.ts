import { expect } from 'chai';
import { decidePhase, type PatternObservation } from '../../src/controllers/pattern-status.js';

const deployment = (specReplicas: number, status: Record<string, unknown>, generation = 1) => ({
  generation,
  specReplicas,
  status: { observedGeneration: generation, ...status },
});

const cases: [string, PatternObservation, string, boolean, string][] = [
  [
    'invalid spec wins over everything',
    { invalid: { reason: 'InvalidTrigger', message: 'm' }, autoscaling: 'keda' },
    'Invalid',
    false,
    'InvalidTrigger',
  ],
  [
    'a missing backend keeps a running workload Pending, not Ready',
    {
      blocked: { reason: 'BackendNotFound', message: 'm' },
      deployment: deployment(2, { readyReplicas: 2, updatedReplicas: 2 }),
      autoscaling: 'off',
    },
    'Pending',
    false,
    'BackendNotFound',
  ],
  [
    'a failed apply is Degraded',
    { applyFailed: { reason: 'ApplyFailed', message: 'm' }, autoscaling: 'off' },
    'Degraded',
    false,
    'ApplyFailed',
  ],
  [
    'no Deployment status yet is Pending',
    { deployment: { specReplicas: 1 }, autoscaling: 'off' },
    'Pending',
    false,
    'Pending',
  ],
  [
    'some replicas not ready is Progressing',
    { deployment: deployment(3, { readyReplicas: 1, updatedReplicas: 3 }), autoscaling: 'off' },
    'Progressing',
    false,
    'Progressing',
  ],
  [
    'an old generation still rolling out is Progressing',
    {
      deployment: {
        ...deployment(1, { readyReplicas: 1, updatedReplicas: 1 }, 2),
        status: { observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1 },
      },
      autoscaling: 'off',
    },
    'Progressing',
    false,
    'Progressing',
  ],
  [
    'all ready is Running',
    { deployment: deployment(2, { readyReplicas: 2, updatedReplicas: 2 }), autoscaling: 'hpa' },
    'Running',
    true,
    'Running',
  ],
  [
    'KEDA at zero replicas is ScaledToZero and ready',
    { deployment: deployment(0, {}), autoscaling: 'keda' },
    'ScaledToZero',
    true,
    'ScaledToZero',
  ],
  [
    'zero replicas by hand is Running with 0 ready',
    { deployment: deployment(0, {}), autoscaling: 'off' },
    'Running',
    true,
    'Running',
  ],
  [
    'a stuck rollout is Degraded with its reason',
    {
      deployment: deployment(1, {
        conditions: [
          { type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: 'timed out' },
        ],
      }),
      autoscaling: 'off',
    },
    'Degraded',
    false,
    'ProgressDeadlineExceeded',
  ],
  [
    'pods that cannot be created is Degraded',
    {
      deployment: deployment(1, {
        conditions: [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota' }],
      }),
      autoscaling: 'off',
    },
    'Degraded',
    false,
    'FailedCreate',
  ],
];

describe('PrismPattern phase', () => {
  for (const [name, observation, phase, ready, reason] of cases) {
    it(name, () => {
      const v = decidePhase(observation);
      expect(v).to.include({ phase, ready, reason });
      expect(v.message).to.be.a('string').and.not.equal('');
    });
  }
});
