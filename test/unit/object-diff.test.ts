import { expect } from 'chai';
import { needsApply, stampHash, type Obj } from '../../src/runtime/apply.js';
import { contentHash, isSubset, mergePatchFor, stableStringify } from '../../src/runtime/object-diff.js';

const HASH = 'prism.io/applied-hash';

const configMap = (data: Record<string, string>, extra: Partial<Obj['metadata']> = {}): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'n', ...extra },
  data,
});

describe('object comparison', () => {
  it('serialises equal objects identically regardless of key order', () => {
    expect(stableStringify({ b: 1, a: { d: [1, 2], c: 'x' } })).to.equal(
      stableStringify({ a: { c: 'x', d: [1, 2] }, b: 1 }),
    );
    expect(contentHash({ a: 1, b: undefined })).to.equal(contentHash({ a: 1 }));
  });

  const subsetCases: [string, unknown, unknown, boolean][] = [
    ['equal scalars', 'a', 'a', true],
    ['different scalars', 1, 2, false],
    ['number vs string', 1, '1', false],
    ['server-added fields are ignored', { a: 1 }, { a: 1, b: 2 }, true],
    ['a missing field is noticed', { a: 1, b: 2 }, { a: 1 }, false],
    ['defaults inside list items are ignored', [{ port: 80 }], [{ port: 80, protocol: 'TCP' }], true],
    ['an extra list item is noticed', [{ port: 80 }], [{ port: 80 }, { port: 81 }], false],
    ['list order matters', [1, 2], [2, 1], false],
    ['object vs array', { a: 1 }, [1], false],
    ['undefined desired fields are ignored', { a: undefined, b: 1 }, { b: 1 }, true],
    ['a quantity the server canonicalised', { cpu: '0.5' }, { cpu: '500m' }, true],
    ['binary and decimal suffixes', { memory: '1024Mi' }, { memory: '1Gi' }, true],
    ['a different quantity', { cpu: '0.5' }, { cpu: '501m' }, false],
    ['a plain string is not a quantity', { image: 'web:1' }, { image: 'web:2' }, false],
  ];
  for (const [name, desired, actual, expected] of subsetCases) {
    it(`isSubset: ${name}`, () => expect(isSubset(desired, actual)).to.equal(expected));
  }

  it('needs no apply when the live object carries the same hash and every desired field', () => {
    const stamped = stampHash(configMap({ a: '1' }), HASH);
    const live = { ...stamped, metadata: { ...stamped.metadata, uid: 'u', resourceVersion: '5' } };
    expect(needsApply(stamped, live)).to.equal(false);
  });

  it('needs an apply when a field was removed from the desired object (the hash differs)', () => {
    const before = stampHash(configMap({ a: '1', b: '2' }), HASH);
    const after = stampHash(configMap({ a: '1' }), HASH);
    // Every field of `after` is still in the live object, but the hash tells it was removed.
    expect(isSubset({ data: after.data }, before)).to.equal(true);
    expect(needsApply(after, before)).to.equal(true);
  });

  it('needs an apply when someone else changed a field we own', () => {
    const stamped = stampHash(configMap({ a: '1' }), HASH);
    expect(needsApply(stamped, { ...stamped, data: { a: 'tampered' } })).to.equal(true);
  });

  it('needs an apply when there is no live object', () => {
    expect(needsApply(stampHash(configMap({}), HASH), undefined)).to.equal(true);
  });

  it('hashes independently of a stale hash annotation already on the desired object', () => {
    const a = stampHash(configMap({ a: '1' }), HASH);
    const b = stampHash(configMap({ a: '1' }, { annotations: { [HASH]: 'stale' } }), HASH);
    expect(a.metadata.annotations?.[HASH]).to.equal(b.metadata.annotations?.[HASH]);
  });

  const patchCases: [string, unknown, unknown, unknown][] = [
    ['no change gives no patch', { a: 1, b: [1] }, { b: [1], a: 1 }, undefined],
    ['a changed field', { a: 1 }, { a: 2 }, { a: 2 }],
    ['a removed field becomes null', { a: 1, b: 2 }, { a: 1 }, { b: null }],
    [
      'nested changes only carry the difference',
      { s: { x: 1, y: 2 } },
      { s: { x: 1, y: 3 } },
      { s: { y: 3 } },
    ],
    ['arrays are replaced whole', { c: [1, 2] }, { c: [1] }, { c: [1] }],
    ['from empty', {}, { phase: 'Running' }, { phase: 'Running' }],
  ];
  for (const [name, current, desired, expected] of patchCases) {
    it(`mergePatchFor: ${name}`, () => expect(mergePatchFor(current, desired)).to.deep.equal(expected));
  }
});
