import { expect } from 'chai';
import type { Obj } from '../../src/runtime/object.js';
import { OwnStatusWrites } from '../../src/runtime/own-status.js';

const pattern = (resourceVersion: string, status?: unknown, uid = 'u-1'): Obj => ({
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismPattern',
  metadata: { name: 'orders', namespace: 'shop', uid, resourceVersion },
  ...(status === undefined ? {} : { status }),
});

describe('remembering our own status writes', () => {
  it('shows the status just written while the cache still holds the version it was computed from', () => {
    const memo = new OwnStatusWrites();
    memo.record(pattern('10'), { observedGeneration: 1 });
    expect(memo.overlay(pattern('10')).status).to.deep.equal({ observedGeneration: 1 });
  });

  it('trusts the cache again once it shows any other version, and forgets the write', () => {
    const memo = new OwnStatusWrites();
    memo.record(pattern('10'), { observedGeneration: 1 });
    const caughtUp = pattern('11', { observedGeneration: 1, phase: 'Running' });
    expect(memo.overlay(caughtUp)).to.equal(caughtUp);
    expect(memo.size).to.equal(0);
    expect(memo.overlay(pattern('10')).status).to.equal(undefined);
  });

  it('keeps objects apart by uid, so a re-created object with the same name starts clean', () => {
    const memo = new OwnStatusWrites();
    memo.record(pattern('10', undefined, 'old'), { observedGeneration: 3 });
    expect(memo.overlay(pattern('10', undefined, 'new')).status).to.equal(undefined);
  });

  it('holds at most maxEntries objects, dropping the oldest write first', () => {
    const memo = new OwnStatusWrites(2);
    memo.record(pattern('1', undefined, 'a'), { n: 1 });
    memo.record(pattern('1', undefined, 'b'), { n: 2 });
    memo.record(pattern('1', undefined, 'c'), { n: 3 });
    expect(memo.size).to.equal(2);
    expect(memo.overlay(pattern('1', undefined, 'a')).status).to.equal(undefined);
    expect(memo.overlay(pattern('1', undefined, 'c')).status).to.deep.equal({ n: 3 });
  });
});
