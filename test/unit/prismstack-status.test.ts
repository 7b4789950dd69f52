import { expect } from 'chai';
import {
  childState,
  childrenCondition,
  decideStackPhase,
  deploymentCondition,
  type ChildState,
  type PartCondition,
  type StackObservation,
} from '../../src/controllers/prismstack-status.js';
import type { Obj } from '../../src/runtime/object.js';

const child = (status: Record<string, unknown> | undefined, generation = 2): Obj => ({
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismPattern',
  metadata: { name: 'shop-orders', generation },
  ...(status ? { status } : {}),
});
const readyCondition = (status: string, message = 'm') => [{ type: 'Ready', status, reason: 'R', message }];

describe('PrismStack child summaries', () => {
  const cases: [string, Obj | undefined, Partial<ChildState>][] = [
    ['a child not created yet', undefined, { ready: false, failed: false, message: 'not created yet' }],
    ['a child without status', child(undefined), { ready: false, failed: false }],
    [
      'a child Ready for its current generation',
      child({ phase: 'Running', observedGeneration: 2, conditions: readyCondition('True') }),
      { ready: true, failed: false, phase: 'Running' },
    ],
    [
      'a child whose Ready is for an older generation',
      child({ phase: 'Running', observedGeneration: 1, conditions: readyCondition('True') }),
      { ready: false, failed: false },
    ],
    [
      'a child in a failure phase',
      child({ phase: 'Invalid', observedGeneration: 2, conditions: readyCondition('False', 'bad trigger') }),
      { ready: false, failed: true, phase: 'Invalid', message: 'bad trigger' },
    ],
    [
      'an unreachable backend',
      child({ phase: 'Unreachable', observedGeneration: 2, conditions: readyCondition('False') }),
      { ready: false, failed: true },
    ],
    [
      'a child still progressing',
      child({ phase: 'Progressing', observedGeneration: 2, conditions: readyCondition('False') }),
      { ready: false, failed: false },
    ],
  ];
  for (const [what, obj, expected] of cases) {
    it(`summarizes ${what}`, () => {
      expect(childState('orders', obj)).to.deep.include({ name: 'orders', ...expected });
    });
  }
});

describe('PrismStack part conditions', () => {
  const s = (name: string, ready: boolean, failed = false, phase?: string): ChildState => ({
    name,
    ready,
    failed,
    message: `${name} says hi`,
    ...(phase ? { phase } : {}),
  });
  const cases: [string, ChildState[], Partial<PartCondition>][] = [
    ['no children', [], { status: 'True', reason: 'NoneRequested', failed: false }],
    [
      'all ready',
      [s('a', true), s('b', true)],
      { status: 'True', reason: 'AllReady', message: '2/2 patterns ready' },
    ],
    [
      'one waiting',
      [s('a', true), s('b', false)],
      { status: 'False', reason: 'ChildNotReady', failed: false },
    ],
    [
      'one failing',
      [s('a', false), s('b', false, true, 'Invalid')],
      { status: 'False', reason: 'ChildFailed', failed: true },
    ],
  ];
  for (const [what, children, expected] of cases) {
    it(`reports ${what}`, () => {
      expect(childrenCondition('pattern', children)).to.deep.include(expected);
    });
  }

  it('names the failing children and their messages', () => {
    const c = childrenCondition('pattern', [s('a', true), s('broken', false, true, 'Invalid')]);
    expect(c.message).to.equal('failing patterns: broken (Invalid: broken says hi)');
  });

  it('treats a disabled Deployment as ready and a stuck one as failed', () => {
    expect(deploymentCondition('admin', undefined)).to.include({ status: 'True', reason: 'Disabled' });
    const stuck = {
      phase: 'Degraded' as const,
      ready: false,
      reason: 'ProgressDeadlineExceeded',
      message: 'stuck',
    };
    expect(deploymentCondition('proxy', stuck)).to.include({
      status: 'False',
      failed: true,
      message: 'proxy: stuck',
    });
  });
});

describe('PrismStack phase', () => {
  const ok: PartCondition = { status: 'True', reason: 'AllReady', message: 'ok', failed: false };
  const waiting: PartCondition = {
    status: 'False',
    reason: 'ChildNotReady',
    message: 'waiting',
    failed: false,
  };
  const failing: PartCondition = { status: 'False', reason: 'ChildFailed', message: 'broken', failed: true };
  const parts = (over: Record<string, PartCondition> = {}) => ({
    ProxyReady: ok,
    AdminReady: ok,
    PatternsReady: ok,
    BackendsReady: ok,
    NamespacesReady: ok,
    ...over,
  });
  const cases: [string, StackObservation, string, boolean, string][] = [
    [
      'an invalid spec wins over everything',
      {
        invalid: { reason: 'InvalidSpec', message: 'm' },
        parts: parts({ PatternsReady: failing }),
        proxyObserved: true,
      },
      'Invalid',
      false,
      'InvalidSpec',
    ],
    [
      'a refused apply is Degraded',
      { applyFailed: { reason: 'ApplyFailed', message: 'm' }, parts: parts(), proxyObserved: true },
      'Degraded',
      false,
      'ApplyFailed',
    ],
    [
      'a failing part is Degraded, named in the reason',
      { parts: parts({ ProxyReady: waiting, PatternsReady: failing }), proxyObserved: false },
      'Degraded',
      false,
      'PatternsReadyFalse',
    ],
    [
      'an unobserved proxy is Pending',
      { parts: parts({ ProxyReady: waiting }), proxyObserved: false },
      'Pending',
      false,
      'Pending',
    ],
    [
      'a part on its way is Progressing',
      { parts: parts({ BackendsReady: waiting }), proxyObserved: true },
      'Progressing',
      false,
      'BackendsReadyFalse',
    ],
    ['every part ready is Ready', { parts: parts(), proxyObserved: true }, 'Ready', true, 'Ready'],
  ];
  for (const [what, observation, phase, ready, reason] of cases) {
    it(`decides: ${what}`, () => {
      expect(decideStackPhase(observation)).to.include({ phase, ready, reason });
    });
  }

  it('lists every part that is not ready in the message', () => {
    const v = decideStackPhase({
      parts: parts({ ProxyReady: waiting, AdminReady: waiting }),
      proxyObserved: true,
    });
    expect(v.message).to.equal('ProxyReady: waiting; AdminReady: waiting');
  });
});
