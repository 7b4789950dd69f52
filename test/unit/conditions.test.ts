import { expect } from 'chai';
import {
  conditionsEqual,
  getCondition,
  isFalse,
  isTrue,
  MAX_MESSAGE_BYTES,
  removeCondition,
  setCondition,
  truncateUtf8,
  type Condition,
  type ConditionUpdate,
} from '../../src/runtime/conditions.js';

const T0 = new Date('2026-11-23T15:00:00.000Z');
const T1 = new Date('2026-11-23T15:05:00.700Z');

const ready = (over: Partial<Condition> = {}): Condition => ({
  type: 'Ready',
  status: 'True',
  reason: 'Available',
  message: 'all replicas are available',
  lastTransitionTime: '2026-11-23T15:00:00Z',
  observedGeneration: 1,
  ...over,
});

describe('conditions', () => {
  describe('setCondition', () => {
    interface Case {
      name: string;
      before: Condition[] | undefined;
      update: ConditionUpdate;
      after: Condition[];
    }
    const cases: Case[] = [
      {
        name: 'adds a new condition with lastTransitionTime now (seconds, no fraction)',
        before: undefined,
        update: { type: 'Ready', status: 'True', reason: 'Available', message: 'ok', observedGeneration: 1 },
        after: [ready({ message: 'ok', lastTransitionTime: '2026-11-23T15:05:00Z' })],
      },
      {
        name: 'moves lastTransitionTime when the status flips',
        before: [ready()],
        update: {
          type: 'Ready',
          status: 'False',
          reason: 'Unavailable',
          message: 'scale up',
          observedGeneration: 1,
        },
        after: [
          ready({
            status: 'False',
            reason: 'Unavailable',
            message: 'scale up',
            lastTransitionTime: '2026-11-23T15:05:00Z',
          }),
        ],
      },
      {
        name: 'keeps lastTransitionTime when only the reason and message change',
        before: [ready()],
        update: {
          type: 'Ready',
          status: 'True',
          reason: 'Scaled',
          message: 'now 3 replicas',
          observedGeneration: 1,
        },
        after: [ready({ reason: 'Scaled', message: 'now 3 replicas' })],
      },
      {
        name: 'keeps lastTransitionTime when only observedGeneration changes',
        before: [ready()],
        update: {
          type: 'Ready',
          status: 'True',
          reason: 'Available',
          message: 'all replicas are available',
          observedGeneration: 4,
        },
        after: [ready({ observedGeneration: 4 })],
      },
      {
        name: 'appends a new type after the existing ones, keeping their order',
        before: [ready(), ready({ type: 'ScalerReady' })],
        update: { type: 'BackendReachable', status: 'Unknown', reason: 'Probing', observedGeneration: 2 },
        after: [
          ready(),
          ready({ type: 'ScalerReady' }),
          {
            type: 'BackendReachable',
            status: 'Unknown',
            reason: 'Probing',
            message: '',
            lastTransitionTime: '2026-11-23T15:05:00Z',
            observedGeneration: 2,
          },
        ],
      },
      {
        name: 'updates a condition in the middle in place',
        before: [ready(), ready({ type: 'ScalerReady' }), ready({ type: 'Provisioned' })],
        update: { type: 'ScalerReady', status: 'False', reason: 'KEDANotInstalled', message: 'install KEDA' },
        after: [
          ready(),
          {
            type: 'ScalerReady',
            status: 'False',
            reason: 'KEDANotInstalled',
            message: 'install KEDA',
            lastTransitionTime: '2026-11-23T15:05:00Z',
          },
          ready({ type: 'Provisioned' }),
        ],
      },
    ];
    for (const c of cases) {
      it(c.name, () => {
        const frozen = c.before ? structuredClone(c.before) : undefined;
        expect(setCondition(c.before, c.update, T1)).to.deep.equal(c.after);
        // Pure: the input list is untouched.
        expect(c.before).to.deep.equal(frozen);
      });
    }

    it('returns an equal list for an update that changes nothing', () => {
      const before = [ready()];
      const after = setCondition(
        before,
        {
          type: 'Ready',
          status: 'True',
          reason: 'Available',
          message: 'all replicas are available',
          observedGeneration: 1,
        },
        T1,
      );
      expect(after).not.to.equal(before);
      expect(conditionsEqual(before, after)).to.equal(true);
    });

    const badReasons = ['', 'not camel', 'Trailing,', '1Leading', 'has-dash', 'Dot.ted', 'x'.repeat(1025)];
    for (const reason of badReasons) {
      it(`throws on the invalid reason ${JSON.stringify(reason.slice(0, 20))}`, () => {
        expect(() => setCondition([], { type: 'Ready', status: 'True', reason }, T0)).to.throw(
          /invalid reason/,
        );
      });
    }

    for (const reason of ['A', 'KEDANotInstalled', 'Reason_With_Underscores', 'Has:Colon,And,Commas9']) {
      it(`accepts the reason ${reason}`, () => {
        expect(setCondition([], { type: 'Ready', status: 'True', reason }, T0)[0]?.reason).to.equal(reason);
      });
    }

    it('throws on an invalid type, status or observedGeneration', () => {
      expect(() => setCondition([], { type: 'bad type', status: 'True', reason: 'R' }, T0)).to.throw(/type/);
      expect(() => setCondition([], { type: 'Ready', status: 'Yes' as 'True', reason: 'R' }, T0)).to.throw(
        /status/,
      );
      expect(() =>
        setCondition([], { type: 'Ready', status: 'True', reason: 'R', observedGeneration: -1 }, T0),
      ).to.throw(/observedGeneration/);
      expect(setCondition([], { type: 'prism.io/Ready', status: 'True', reason: 'R' }, T0)).to.have.length(1);
    });

    it('truncates a message to 32768 bytes without splitting a character', () => {
      const long = 'é'.repeat(MAX_MESSAGE_BYTES); // 2 bytes each
      const [c] = setCondition([], { type: 'Ready', status: 'False', reason: 'TooLong', message: long }, T0);
      expect(Buffer.byteLength(c!.message)).to.equal(MAX_MESSAGE_BYTES);
      expect(c!.message).to.equal('é'.repeat(MAX_MESSAGE_BYTES / 2));
    });
  });

  describe('truncateUtf8', () => {
    it('steps back to a character boundary', () => {
      expect(truncateUtf8('a€b', 3)).to.equal('a'); // € is 3 bytes
      expect(truncateUtf8('a€b', 4)).to.equal('a€');
      expect(truncateUtf8('short', 10)).to.equal('short');
    });
  });

  describe('lookups', () => {
    const list = [ready(), ready({ type: 'ScalerReady', status: 'False', reason: 'KEDANotInstalled' })];

    it('finds a condition by type and reads its status', () => {
      expect(getCondition(list, 'ScalerReady')?.reason).to.equal('KEDANotInstalled');
      expect(getCondition(list, 'Missing')).to.equal(undefined);
      expect(getCondition(undefined, 'Ready')).to.equal(undefined);
      expect(isTrue(list, 'Ready')).to.equal(true);
      expect(isTrue(list, 'ScalerReady')).to.equal(false);
      expect(isFalse(list, 'ScalerReady')).to.equal(true);
      expect(isTrue(list, 'Missing')).to.equal(false);
      expect(isFalse(list, 'Missing')).to.equal(false);
    });

    it('removes a condition by type, returning a new list', () => {
      const after = removeCondition(list, 'Ready');
      expect(after.map((c) => c.type)).to.deep.equal(['ScalerReady']);
      expect(list).to.have.length(2);
      expect(removeCondition(undefined, 'Ready')).to.deep.equal([]);
    });
  });

  describe('conditionsEqual', () => {
    const a = ready();
    const b = ready({ type: 'ScalerReady' });
    const cases: [string, Condition[] | undefined, Condition[] | undefined, boolean][] = [
      ['same list', [a, b], [a, b], true],
      ['different order', [a, b], [b, a], true],
      ['undefined and empty', undefined, [], true],
      [
        'missing observedGeneration and 0',
        [ready({ observedGeneration: undefined })],
        [ready({ observedGeneration: 0 })],
        true,
      ],
      ['a status change', [a], [ready({ status: 'False' })], false],
      ['a reason change', [a], [ready({ reason: 'Other' })], false],
      ['a message change', [a], [ready({ message: 'other' })], false],
      ['an observedGeneration change', [a], [ready({ observedGeneration: 2 })], false],
      ['a transition time change', [a], [ready({ lastTransitionTime: '2026-11-23T16:00:00Z' })], false],
      ['an extra condition', [a], [a, b], false],
      ['a different type', [a], [b], false],
    ];
    for (const [what, left, right, want] of cases) {
      it(`${want ? 'equal' : 'differ'}: ${what}`, () => {
        expect(conditionsEqual(left, right)).to.equal(want);
        expect(conditionsEqual(right, left)).to.equal(want);
      });
    }
  });
});
