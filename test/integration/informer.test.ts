import { expect } from 'chai';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { ControlPlane } from '../../src/controlplane/launcher.js';
import { CONTENT_TYPE, KubeClient } from '../../src/runtime/kube-client.js';
import {
  Informer,
  type InformerOptions,
  type KubeObject,
  type ResourceRef,
} from '../../src/runtime/informer.js';
import { newNamespace, testEnv } from '../support/env.js';
import { binDir } from '../support/paths.js';
import { eventually, sleep } from '../support/wait.js';

const CONFIGMAPS: ResourceRef = {
  group: '',
  version: 'v1',
  plural: 'configmaps',
  namespaced: true,
  kind: 'ConfigMap',
};

interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

/**
 * A TCP relay between one client and the API server. Cutting it drops that
 * client's connections and refuses new ones while the server stays up for
 * everyone else: an honest network partition, with the real server behind it.
 */
class Relay {
  connections = 0;
  private open = true;
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<Relay> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const relay = new Relay(server, typeof address === 'object' && address ? address.port : 0);
    server.on('connection', (client) => relay.accept(client, targetPort));
    return relay;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  private accept(client: Socket, targetPort: number): void {
    this.connections++;
    if (!this.open) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const [a, b] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      this.sockets.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        this.sockets.delete(a);
        b.destroy();
      });
    }
  }

  cut(): void {
    this.open = false;
    for (const s of this.sockets) s.destroy();
  }

  heal(): void {
    this.open = true;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** The same credentials, pointed at another server address (a relay). */
function kubeConfigVia(kc: KubeConfig, server: string): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kc.clusters.map((c) => ({ ...c, server })),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return copy;
}

/** ConfigMap writes through the project's client, straight to the API server. */
function configMaps(client: KubeClient, namespace: string) {
  const base = `/api/v1/namespaces/${namespace}/configmaps`;
  return {
    create: (name: string, extra: Partial<ConfigMap['metadata']> = {}, data: Record<string, string> = {}) =>
      client.request<ConfigMap>({
        method: 'POST',
        path: base,
        body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...extra }, data },
      }),
    patch: (name: string, body: object) =>
      client.request<ConfigMap>({
        method: 'PATCH',
        path: `${base}/${name}`,
        body,
        contentType: CONTENT_TYPE.mergePatch,
      }),
    remove: (name: string) => client.request({ method: 'DELETE', path: `${base}/${name}` }),
    get: (name: string) => client.request<ConfigMap>({ method: 'GET', path: `${base}/${name}` }),
    list: async (labelSelector?: string) =>
      (await client.request<{ items: ConfigMap[] }>({ method: 'GET', path: base, query: { labelSelector } }))
        .items,
  };
}

/** Handler calls as `add name`, `update name`, `delete name`, in order. */
function record(informer: Informer<ConfigMap>): string[] {
  const seen: string[] = [];
  informer.onAdd((o) => seen.push(`add ${o.metadata.name}`));
  informer.onUpdate((_old, cur) => seen.push(`update ${cur.metadata.name}`));
  informer.onDelete((o) => seen.push(`delete ${o.metadata.name}`));
  return seen;
}

interface LogEntry {
  level: string;
  msg: string;
  meta?: object;
}

function logSink(): { log: NonNullable<InformerOptions['log']>; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return { entries, log: (level, msg, meta) => entries.push({ level, msg, meta }) };
}

const snapshot = (objs: KubeObject[]) =>
  objs.map((o) => `${o.metadata.name}@${o.metadata.resourceVersion}`).sort();

/** True once the informer's cache holds exactly what the server holds. */
async function cacheMatchesServer(informer: Informer<ConfigMap>, server: ConfigMap[] | Promise<ConfigMap[]>) {
  return JSON.stringify(snapshot(informer.list())) === JSON.stringify(snapshot(await server));
}

describe('the informer', function () {
  let client: KubeClient;
  let ns: string;
  let cms: ReturnType<typeof configMaps>;
  let informer: Informer<ConfigMap> | undefined;

  before(async function () {
    client = await KubeClient.create(testEnv().kubeConfig);
  });

  beforeEach(async function () {
    ns = await newNamespace('inf');
    cms = configMaps(client, ns);
  });

  afterEach(async function () {
    await informer?.stop();
    informer = undefined;
  });

  after(function () {
    client.close();
  });

  const startInformer = async (opts: Partial<InformerOptions> = {}) => {
    informer = new Informer<ConfigMap>({ client, resource: CONFIGMAPS, namespace: ns, ...opts });
    const seen = record(informer);
    informer.start();
    await informer.waitForSync(10_000);
    return { informer, seen };
  };

  it('delivers create, update and delete of ConfigMaps and keeps the cache in step', async function () {
    await cms.create('listed', { labels: { app: 'inf' } });
    await cms.create('unlabelled');
    await cms.create('excluded', { labels: { app: 'inf' } });
    const updates: [string | undefined, string | undefined][] = [];
    const { informer, seen } = await startInformer({
      labelSelector: 'app=inf',
      fieldSelector: 'metadata.name!=excluded',
    });
    informer.onUpdate((old, cur) => updates.push([old.data?.v, cur.data?.v]));
    expect(seen).to.deep.equal(['add listed']);

    await cms.create('web', { labels: { app: 'inf' } }, { v: '1' });
    await eventually(() => informer.get(ns, 'web'), { timeoutMs: 10_000, what: 'web in the cache' });
    await cms.patch('web', { data: { v: '2' } });
    await eventually(() => informer.get(ns, 'web')?.data?.v === '2', { timeoutMs: 10_000, what: 'web v=2' });
    // Losing the label takes the object out of the selection: a delete for this informer.
    await cms.patch('listed', { metadata: { labels: { app: null } } });
    await cms.remove('web');
    await eventually(() => informer.list(ns).length === 0, { timeoutMs: 10_000, what: 'an empty cache' });

    expect(seen).to.deep.equal(['add listed', 'add web', 'update web', 'delete listed', 'delete web']);
    expect(updates).to.deep.equal([['1', '2']]);
    await cms.create('late', { labels: { app: 'inf' } });
    await eventually(() => informer.get(ns, 'late'), { timeoutMs: 10_000, what: 'late in the cache' });
    expect(informer.get(ns, 'unlabelled')).to.equal(undefined);
    expect(informer.get(ns, 'excluded')).to.equal(undefined);
    expect(seen.filter((s) => s.endsWith('unlabelled') || s.endsWith('excluded'))).to.deep.equal([]);
  });

  it('drops managedFields from cached objects', async function () {
    const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration';
    await cms.create('listed', { annotations: { [lastApplied]: '{"big":"blob"}', keep: 'yes' } });
    const { informer } = await startInformer();
    await cms.create('watched', { annotations: { [lastApplied]: '{"big":"blob"}', keep: 'yes' } });
    await eventually(() => informer.get(ns, 'watched'), { timeoutMs: 10_000, what: 'watched in the cache' });

    expect((await cms.get('watched')).metadata.managedFields).to.have.length.greaterThan(0);
    for (const name of ['listed', 'watched']) {
      const cached = informer.get(ns, name)!;
      expect(cached.metadata.managedFields, name).to.equal(undefined);
      expect(cached.metadata.annotations, name).to.deep.equal({ keep: 'yes' });
      // List items carry no type; the cache fills it in so both paths look the same.
      expect([cached.apiVersion, cached.kind], name).to.deep.equal(['v1', 'ConfigMap']);
    }
  });

  it('indexes objects by owner uid', async function () {
    const owner = await cms.create('owner');
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owner.metadata.uid! };
    await cms.create('child-a', { ownerReferences: [ref], labels: { tier: 'a' } });
    const { informer } = await startInformer();
    informer.addIndex('tier', (o) => (o.metadata.labels?.tier ? [o.metadata.labels.tier] : []));
    await cms.create('child-b', { ownerReferences: [ref], labels: { tier: 'b' } });
    const children = () =>
      informer
        .byIndex('owner', ref.uid)
        .map((o) => o.metadata.name)
        .sort()
        .join(',');
    await eventually(() => children() === 'child-a,child-b', { timeoutMs: 10_000, what: 'two children' });
    expect(informer.byIndex('tier', 'a').map((o) => o.metadata.name)).to.deep.equal(['child-a']);

    await cms.patch('child-a', { metadata: { ownerReferences: null } });
    await cms.remove('child-b');
    await eventually(() => children() === '', { timeoutMs: 10_000, what: 'no children left' });
    expect(informer.byIndex('tier', 'a').map((o) => o.metadata.name)).to.deep.equal(['child-a']);
    expect(informer.byIndex('tier', 'b')).to.deep.equal([]);
  });

  it('re-watches from its resourceVersion when the server ends a watch, without relisting', async function () {
    const { informer, seen } = await startInformer({ watchTimeoutSeconds: 1 });
    await eventually(() => informer.stats().reconnects >= 3, { timeoutMs: 15_000, what: '3 re-watches' });
    await cms.create('after-timeouts');
    await eventually(() => informer.get(ns, 'after-timeouts'), { timeoutMs: 10_000, what: 'the new object' });
    const stats = informer.stats();
    expect(stats.relists, 'relists').to.equal(0);
    expect(stats.failures, 'failures').to.equal(0);
    expect(stats.lastError, 'a clean end is not an error').to.equal(undefined);
    expect(seen).to.deep.equal(['add after-timeouts']);
  });

  it('keeps running when a handler throws', async function () {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const sink = logSink();
      const { informer, seen } = await startInformer({ log: sink.log });
      informer.onAdd(() => {
        throw new Error('boom in a handler');
      });
      // eslint-disable-next-line @typescript-eslint/no-misused-promises -- an async handler is what is under test
      informer.onAdd(() => Promise.reject(new Error('boom in an async handler')));
      informer.onAdd((o) => seen.push(`after the throwing ones ${o.metadata.name}`));
      for (const name of ['one', 'two', 'three']) await cms.create(name);
      await eventually(() => informer.list(ns).length === 3, { timeoutMs: 10_000, what: 'three objects' });
      await sleep(100); // lets the rejected promises settle
      expect(seen.filter((s) => s.startsWith('after'))).to.have.length(3);
      expect(seen.filter((s) => s.startsWith('add'))).to.have.length(3);
      expect(
        sink.entries.filter((e) => e.level === 'error' && e.msg === 'add handler failed'),
      ).to.have.length(6);
      expect(informer.stats()).to.include({ relists: 0, reconnects: 0, failures: 0 });
      expect(unhandled).to.deep.equal([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('does not reconnect after a deliberate stop, whether watching or backing off', async function () {
    let requests = 0;
    const counted = await KubeClient.create(testEnv().kubeConfig, { observe: () => requests++ });
    const relay = await Relay.start(testEnv().controlPlane.apiServerPort);
    const viaRelay = await KubeClient.create(kubeConfigVia(testEnv().kubeConfig, relay.url));
    const watching = new Informer<ConfigMap>({ client: counted, resource: CONFIGMAPS, namespace: ns });
    const backingOff = new Informer<ConfigMap>({ client: viaRelay, resource: CONFIGMAPS, namespace: ns });
    try {
      const watchingSeen = record(watching);
      watching.start();
      await watching.waitForSync(10_000);
      await eventually(() => requests >= 2, { timeoutMs: 5_000, what: 'the list and the watch' });

      backingOff.start();
      await backingOff.waitForSync(10_000);
      relay.cut();
      await eventually(() => backingOff.stats().failures >= 1, {
        timeoutMs: 10_000,
        what: 'a failed reconnect',
      });

      await Promise.all([watching.stop(), backingOff.stop()]);
      const [requestsAtStop, connectionsAtStop, statsAtStop] = [
        requests,
        relay.connections,
        watching.stats(),
      ];
      relay.heal();
      await cms.create('after-stop');
      await sleep(2_000);
      expect(requests, 'requests after stop').to.equal(requestsAtStop);
      expect(relay.connections, 'connections after stop').to.equal(connectionsAtStop);
      expect(watching.stats()).to.deep.equal(statsAtStop);
      expect(watchingSeen).to.deep.equal([]);
      expect(() => watching.start()).to.throw('cannot be restarted');
    } finally {
      await Promise.all([watching.stop(), backingOff.stop()]);
      counted.close();
      viaRelay.close();
      await relay.close();
    }
  });
});

describe('the informer when the API server goes away (own control plane)', function () {
  let cp: ControlPlane;
  let kubeConfig: KubeConfig;
  let direct: KubeClient;
  let relay: Relay;
  let viaRelay: KubeClient;
  let ns: string;
  let cms: ReturnType<typeof configMaps>;
  let informer: Informer<ConfigMap> | undefined;
  let sink: ReturnType<typeof logSink>;

  before(async function () {
    this.timeout(90_000);
    cp = await ControlPlane.start({ binDir, controllerManager: false });
    kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(cp.kubeconfigPath);
    direct = await KubeClient.create(kubeConfig);
  });

  after(async function () {
    this.timeout(30_000);
    direct.close();
    await cp.stop();
  });

  beforeEach(async function () {
    ns = `inf-${Math.random().toString(16).slice(2, 10)}`;
    await direct.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: ns } } });
    cms = configMaps(direct, ns);
    relay = await Relay.start(cp.apiServerPort);
    viaRelay = await KubeClient.create(kubeConfigVia(kubeConfig, relay.url));
    sink = logSink();
  });

  afterEach(async function () {
    await informer?.stop();
    informer = undefined;
    viaRelay.close();
    await relay.close();
    if (this.currentTest?.state === 'failed') {
      for (const e of sink.entries)
        process.stdout.write(`      ${e.level} ${e.msg} ${JSON.stringify(e.meta)}\n`);
    }
  });

  const startInformer = async (opts: Partial<InformerOptions> = {}) => {
    informer = new Informer<ConfigMap>({
      client: viaRelay,
      resource: CONFIGMAPS,
      namespace: ns,
      log: sink.log,
      ...opts,
    });
    const seen = record(informer);
    informer.start();
    await informer.waitForSync(10_000);
    return { informer, seen };
  };

  const cutAndWaitForFailure = async (informer: Informer<ConfigMap>, timeoutMs = 15_000) => {
    relay.cut();
    await eventually(() => informer.stats().failures >= 1, { timeoutMs, what: 'a failed reconnect' });
  };

  /** Three changes the informer cannot see while it is cut off: an update, a delete and a create. */
  const changeWhileAway = async () => {
    await cms.patch('updated', { data: { v: 'while away' } });
    await cms.remove('deleted');
    await cms.create('created');
  };

  const seedObjects = async () => {
    for (const name of ['kept', 'updated', 'deleted']) await cms.create(name, {}, { v: 'before' });
  };

  it('resumes from its resourceVersion after a network partition, replaying what it missed', async function () {
    await seedObjects();
    const { informer, seen } = await startInformer({ backoff: { initialMs: 200, maxMs: 1_000 } });
    seen.length = 0;
    await cutAndWaitForFailure(informer);
    await changeWhileAway();
    relay.heal();
    await eventually(() => cacheMatchesServer(informer, cms.list()), {
      timeoutMs: 15_000,
      what: 'the cache',
    });
    expect(seen).to.deep.equal(['update updated', 'delete deleted', 'add created']);
    expect(informer.stats().relists, 'relists').to.equal(0);
    expect(informer.stats().reconnects, 'reconnects').to.be.greaterThan(0);
  });

  it('survives kube-apiserver being killed and restarted, and delivers a change made while it was disconnected', async function () {
    this.timeout(90_000);
    await seedObjects();
    const { informer, seen } = await startInformer(); // the default backoff, 800 ms doubling to 30 s
    seen.length = 0;
    await cp.killApiServer();
    await eventually(() => informer.stats().failures >= 1, { timeoutMs: 15_000, what: 'a failed reconnect' });
    // Keep the informer cut off through the restart, so the changes below happen while it is disconnected.
    relay.cut();
    await cp.restartApiServer();
    const restartedAt = Date.now();
    await changeWhileAway();
    relay.heal();
    const healedAt = Date.now();
    await eventually(() => cacheMatchesServer(informer, cms.list()), {
      timeoutMs: 60_000,
      what: 'the cache',
    });
    const syncedAt = Date.now();
    expect([...seen].sort()).to.deep.equal(['add created', 'delete deleted', 'update updated']);
    expect(informer.get(ns, 'updated')?.data?.v).to.equal('while away');
    const s = informer.stats();
    process.stdout.write(
      `      restart→resynced ${syncedAt - restartedAt} ms (reconnect→resynced ${syncedAt - healedAt} ms), ` +
        `failures=${s.failures} relists=${s.relists} reconnects=${s.reconnects}\n`,
    );
  });

  it('relists when its resourceVersion is too old (410 Gone)', async function () {
    this.timeout(90_000);
    await seedObjects();
    const { informer, seen } = await startInformer({ backoff: { initialMs: 200, maxMs: 1_000 } });
    seen.length = 0;
    await cutAndWaitForFailure(informer);
    await changeWhileAway();
    // Compact etcd up to now, then restart kube-apiserver so its watch cache starts after the informer's resourceVersion.
    await compactEtcd(cp.etcdUrl);
    await cp.killApiServer();
    await cp.restartApiServer();
    relay.heal();
    await eventually(() => informer.stats().relists >= 1, { timeoutMs: 30_000, what: 'a relist' });
    await eventually(() => cacheMatchesServer(informer, cms.list()), {
      timeoutMs: 15_000,
      what: 'the cache',
    });
    // The relist reports only what changed: nothing for 'kept', whose resourceVersion did not move.
    expect([...seen].sort()).to.deep.equal(['add created', 'delete deleted', 'update updated']);
    const expired = sink.entries.find((e) => e.msg === 'resourceVersion expired; relisting');
    expect(JSON.stringify(expired?.meta)).to.match(/too old resource version/);
  });
});

async function etcdPost<T>(etcdUrl: string, path: string, body: object): Promise<T> {
  const res = await fetch(`${etcdUrl}${path}`, { method: 'POST', body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`etcd ${path}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

/** Physically compacts etcd's history up to its current revision (what kube-apiserver does every 5 min). */
async function compactEtcd(etcdUrl: string): Promise<void> {
  const range = await etcdPost<{ header: { revision: string } }>(etcdUrl, '/v3/kv/range', { key: 'AA==' });
  await etcdPost(etcdUrl, '/v3/kv/compaction', { revision: range.header.revision, physical: true });
}
