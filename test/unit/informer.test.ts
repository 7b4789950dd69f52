import { expect } from 'chai';
import {
  ObjectStore,
  OWNER_INDEX,
  backoffDelay,
  diffRelist,
  informerScopes,
  listQuery,
  objectKey,
  randomWatchTimeoutSeconds,
  stripForCache,
  watchQuery,
  type KubeObject,
} from '../../src/runtime/informer.js';

interface Fixture {
  ns?: string;
  rv?: string;
  owners?: string[];
  labels?: Record<string, string>;
}

function anObject(name: string, { ns = 'default', rv = '1', owners = [], labels }: Fixture = {}): KubeObject {
  return {
    metadata: {
      name,
      namespace: ns,
      resourceVersion: rv,
      labels,
      ownerReferences: owners.map((uid) => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        name: `owner-${uid}`,
        uid,
      })),
    },
  };
}

const byKey = (...objs: KubeObject[]) =>
  new Map(objs.map((o) => [objectKey(o.metadata.namespace, o.metadata.name), o]));
const names = (objs: KubeObject[]) => objs.map((o) => o.metadata.name).sort();

describe('informer relist diffing', function () {
  it('reports new objects as added, vanished ones as deleted', function () {
    const diff = diffRelist(byKey(anObject('old')), byKey(anObject('new')));
    expect(names(diff.added)).to.deep.equal(['new']);
    expect(names(diff.deleted)).to.deep.equal(['old']);
    expect(diff.updated).to.deep.equal([]);
  });

  it('reports an update only when the resourceVersion changed', function () {
    const before = byKey(anObject('same', { rv: '5' }), anObject('moved', { rv: '5' }));
    const after = byKey(anObject('same', { rv: '5' }), anObject('moved', { rv: '9' }));
    const diff = diffRelist(before, after);
    expect(
      diff.updated.map((u) => [u.old.metadata.resourceVersion, u.cur.metadata.resourceVersion]),
    ).to.deep.equal([['5', '9']]);
    expect(diff.added).to.deep.equal([]);
    expect(diff.deleted).to.deep.equal([]);
  });

  it('tells apart objects of the same name in different namespaces', function () {
    const diff = diffRelist(byKey(anObject('x', { ns: 'a' })), byKey(anObject('x', { ns: 'b' })));
    expect(diff.added.map((o) => o.metadata.namespace)).to.deep.equal(['b']);
    expect(diff.deleted.map((o) => o.metadata.namespace)).to.deep.equal(['a']);
  });
});

describe('the informer object store', function () {
  it('lists by namespace and gets by namespace and name', function () {
    const store = new ObjectStore<KubeObject>();
    store.upsert(anObject('a', { ns: 'one' }));
    store.upsert(anObject('b', { ns: 'two' }));
    store.upsert({ metadata: { name: 'cluster-wide' } });
    expect(names(store.list('one'))).to.deep.equal(['a']);
    expect(names(store.list())).to.deep.equal(['a', 'b', 'cluster-wide']);
    expect(store.get(undefined, 'cluster-wide')?.metadata.name).to.equal('cluster-wide');
    expect(store.get('two', 'a')).to.equal(undefined);
  });

  it('keeps the owner index in step when owner references change and objects go away', function () {
    const store = new ObjectStore<KubeObject>();
    store.upsert(anObject('child-1', { owners: ['u1'] }));
    store.upsert(anObject('child-2', { owners: ['u1', 'u2'] }));
    expect(names(store.byIndex(OWNER_INDEX, 'u1'))).to.deep.equal(['child-1', 'child-2']);

    store.upsert(anObject('child-1', { owners: ['u2'] }));
    store.remove(anObject('child-2'));
    expect(store.byIndex(OWNER_INDEX, 'u1')).to.deep.equal([]);
    expect(names(store.byIndex(OWNER_INDEX, 'u2'))).to.deep.equal(['child-1']);
  });

  it('indexes existing objects when an index is added late, and rebuilds indexes on replace', function () {
    const store = new ObjectStore<KubeObject>();
    store.upsert(anObject('a', { labels: { app: 'web' } }));
    store.addIndex('app', (o) => (o.metadata.labels?.app ? [o.metadata.labels.app] : []));
    expect(names(store.byIndex('app', 'web'))).to.deep.equal(['a']);

    const diff = store.replace([
      anObject('b', { labels: { app: 'web' } }),
      anObject('c', { labels: { app: 'db' } }),
    ]);
    expect(names(store.byIndex('app', 'web'))).to.deep.equal(['b']);
    expect(names(store.byIndex('app', 'db'))).to.deep.equal(['c']);
    expect(names(diff.added)).to.deep.equal(['b', 'c']);
    expect(names(diff.deleted)).to.deep.equal(['a']);
    expect(store.size).to.equal(2);
  });

  it('replaces only one namespace on a relist of that namespace (one loop of a multi-namespace informer)', function () {
    const store = new ObjectStore<KubeObject>();
    store.replace([
      anObject('a', { ns: 'shop' }),
      anObject('b', { ns: 'shop' }),
      anObject('c', { ns: 'billing' }),
    ]);
    const diff = store.replace(
      [anObject('a', { ns: 'shop', rv: '2' }), anObject('d', { ns: 'shop' })],
      'shop',
    );
    expect(diff.added.map((o) => o.metadata.name)).to.deep.equal(['d']);
    expect(diff.updated.map((u) => u.cur.metadata.name)).to.deep.equal(['a']);
    expect(diff.deleted.map((o) => o.metadata.name)).to.deep.equal(['b']);
    expect(store.list('billing').map((o) => o.metadata.name)).to.deep.equal(['c']);
    expect(
      store
        .list('shop')
        .map((o) => o.metadata.name)
        .sort(),
    ).to.deep.equal(['a', 'd']);
  });

  it('refuses an unknown or duplicate index name', function () {
    const store = new ObjectStore<KubeObject>();
    expect(() => store.byIndex('nope', 'x')).to.throw('no index named nope');
    expect(() => store.addIndex(OWNER_INDEX, () => [])).to.throw('already exists');
  });
});

describe('informer scopes', function () {
  const cm = { group: '', version: 'v1', plural: 'configmaps', kind: 'ConfigMap', namespaced: true };
  const crd = { ...cm, plural: 'customresourcedefinitions', namespaced: false };

  it('lists and watches each watched namespace of a namespaced kind, the cluster for a cluster-scoped one', function () {
    expect(informerScopes({ resource: cm, namespaces: ['shop', 'billing', 'shop'] })).to.deep.equal([
      'shop',
      'billing',
    ]);
    expect(informerScopes({ resource: cm, namespace: 'shop' })).to.deep.equal(['shop']);
    expect(informerScopes({ resource: cm, namespaces: [] })).to.deep.equal([undefined]);
    expect(informerScopes({ resource: crd, namespaces: ['shop'] })).to.deep.equal([undefined]);
  });
});

describe('informer helpers', function () {
  it('drops managedFields and the last-applied annotation, and keeps the rest', function () {
    const obj: KubeObject = {
      metadata: {
        name: 'x',
        managedFields: [{ manager: 'kubectl' }],
        annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' },
      },
      data: { a: '1' },
    };
    const out = stripForCache(obj);
    expect(out.metadata).to.deep.equal({ name: 'x', annotations: { keep: 'me' } });
    expect(out.data).to.deep.equal({ a: '1' });
  });

  it('backs off exponentially with jitter in [base/2, base], capped at the maximum', function () {
    const b = { initialMs: 800, maxMs: 30_000 };
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, b, () => 1))).to.deep.equal([800, 1600, 3200, 6400]);
    expect(backoffDelay(0, b, () => 0)).to.equal(400);
    expect(backoffDelay(10, b, () => 1)).to.equal(30_000);
    expect(backoffDelay(1000, b, () => 0)).to.equal(15_000);
  });

  it('picks a watch timeout between 300 and 600 seconds', function () {
    expect(randomWatchTimeoutSeconds(() => 0)).to.equal(300);
    expect(randomWatchTimeoutSeconds(() => 0.999)).to.equal(599);
  });

  it('sends the same selectors to list and watch; lists without a resourceVersion, in pages of 500', function () {
    const selectors = { labelSelector: 'app=web', fieldSelector: 'metadata.name!=x' };
    expect(listQuery(selectors, 'token')).to.deep.equal({ ...selectors, limit: 500, continue: 'token' });
    expect(watchQuery(selectors, '42', 300)).to.deep.equal({
      ...selectors,
      watch: 1,
      resourceVersion: '42',
      allowWatchBookmarks: true,
      timeoutSeconds: 300,
    });
  });
});
