import { expect } from 'chai';
import { KubeClient } from '../../src/runtime/kube-client.js';
import { EventRecorder, type ObjectReference } from '../../src/runtime/events.js';
import { newNamespace, testEnv } from '../support/env.js';
import { eventually, sleep } from '../support/wait.js';

interface EventObject {
  metadata: { name: string; namespace: string };
  eventTime: string;
  reportingController: string;
  reportingInstance: string;
  type: string;
  reason: string;
  action: string;
  note?: string;
  regarding: ObjectReference;
  series?: { count: number; lastObservedTime: string };
}

const MICROTIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const WRITE_INTERVAL_MS = 1_000;

describe('the event recorder', function () {
  this.timeout(20_000);
  let ns: string;
  let client: KubeClient;
  /** Event writes (POST/PATCH/PUT under /events) made through `client`. */
  let writes: { method: string; path: string; code: number }[];
  let logged: string[];
  let recorder: EventRecorder;

  before(async () => {
    ns = await newNamespace('events');
    client = await KubeClient.create(testEnv().kubeConfig, {
      userAgent: 'events-test',
      observe: ({ method, path, code }) => {
        if (method !== 'GET' && path.includes('/events')) writes.push({ method, path, code });
      },
    });
  });

  after(() => client.close());

  beforeEach(() => {
    writes = [];
    logged = [];
    recorder = new EventRecorder({
      client,
      reportingController: 'prism-operator',
      reportingInstance: 'prism-operator-test-0',
      minWriteIntervalMs: WRITE_INTERVAL_MS,
      log: (_level, message, fields) => logged.push(`${message} ${JSON.stringify(fields)}`),
    });
  });

  afterEach(() => recorder.flush());

  async function configMap(name: string): Promise<ObjectReference> {
    const cm = await testEnv().core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name } },
    });
    return { apiVersion: 'v1', kind: 'ConfigMap', name, namespace: ns, uid: cm.metadata!.uid! };
  }

  async function eventsFor(uid: string, namespace = ns): Promise<EventObject[]> {
    const list = await client.request<{ items: EventObject[] }>({
      method: 'GET',
      path: `/apis/events.k8s.io/v1/namespaces/${namespace}/events`,
    });
    return list.items.filter((e) => e.regarding.uid === uid);
  }

  it('creates an events.k8s.io/v1 Event with the reporting controller, regarding object and MicroTime eventTime', async () => {
    const cm = await configMap('orders');
    await recorder.event(cm, {
      type: 'Normal',
      reason: 'Applied',
      action: 'ApplyDeployment',
      note: 'applied Deployment orders',
    });
    const [event, ...rest] = await eventsFor(cm.uid!);
    expect(rest).to.have.length(0);
    expect(event).to.deep.include({
      reportingController: 'prism-operator',
      reportingInstance: 'prism-operator-test-0',
      type: 'Normal',
      reason: 'Applied',
      action: 'ApplyDeployment',
      note: 'applied Deployment orders',
    });
    expect(event!.regarding).to.deep.include(cm);
    expect(event!.metadata.namespace).to.equal(ns);
    expect(event!.metadata.name).to.match(/^orders\.[0-9a-f]{16}$/);
    expect(event!.eventTime).to.match(MICROTIME);
    expect(Math.abs(Date.parse(event!.eventTime) - Date.now())).to.be.lessThan(10_000);
    expect(event!.series).to.equal(undefined);
    expect(writes).to.have.length(1);
  });

  it('folds 50 identical warnings in a burst into one Event whose series.count reaches 50, in a handful of writes', async () => {
    const cm = await configMap('burst');
    const failure = {
      type: 'Warning',
      reason: 'ApplyFailed',
      action: 'Reconcile',
      note: 'quota exceeded',
    } as const;
    await Promise.all(Array.from({ length: 50 }, () => recorder.event(cm, failure)));
    // The rate-limited patch lands within one write interval, without a flush.
    const event = await eventually(
      async () => {
        const [e] = await eventsFor(cm.uid!);
        return e?.series?.count === 50 && e;
      },
      { timeoutMs: WRITE_INTERVAL_MS + 3_000, intervalMs: 100, what: 'series.count 50' },
    );
    expect(event.series!.lastObservedTime).to.match(MICROTIME);
    expect(await eventsFor(cm.uid!)).to.have.length(1);
    expect(writes.map((w) => w.method)).to.deep.equal(['POST', 'PATCH']);

    // A hot loop keeps going for 1.5 s: O(1) writes per interval, not one per occurrence.
    for (let i = 0; i < 30; i++) {
      void recorder.event(cm, failure);
      await sleep(50);
    }
    await recorder.flush();
    const [after, ...others] = await eventsFor(cm.uid!);
    expect(others).to.have.length(0);
    expect(after!.series!.count).to.equal(80);
    expect(after!.metadata.name).to.equal(event.metadata.name);
    process.stdout.write(
      `      80 occurrences, ${writes.length} writes: ${writes.map((w) => w.method).join(' ')}\n`,
    );
    expect(writes.length).to.be.at.most(5);
    expect(writes.every((w) => w.code >= 200 && w.code < 300)).to.equal(true);
  });

  it('creates a separate Event per reason, and per regarding object', async () => {
    const one = await configMap('reasons-1');
    const two = await configMap('reasons-2');
    for (let i = 0; i < 2; i++) {
      void recorder.event(one, { type: 'Warning', reason: 'BackendUnreachable', action: 'Probe' });
      void recorder.event(one, { type: 'Warning', reason: 'ApplyFailed', action: 'Reconcile' });
      void recorder.event(two, { type: 'Warning', reason: 'ApplyFailed', action: 'Reconcile' });
    }
    await recorder.flush();
    const forOne = await eventsFor(one.uid!);
    expect(forOne.map((e) => e.reason).sort()).to.deep.equal(['ApplyFailed', 'BackendUnreachable']);
    expect(forOne.map((e) => e.series?.count)).to.deep.equal([2, 2]);
    const forTwo = await eventsFor(two.uid!);
    expect(forTwo.map((e) => [e.reason, e.series?.count])).to.deep.equal([['ApplyFailed', 2]]);
  });

  it('puts events about a cluster-scoped object in the default namespace', async () => {
    const nsObject = await testEnv().core.readNamespace({ name: ns });
    const regarding = { apiVersion: 'v1', kind: 'Namespace', name: ns, uid: nsObject.metadata!.uid! };
    await recorder.event(regarding, { type: 'Normal', reason: 'Provisioned', action: 'ApplyQuota' });
    const [event] = await eventsFor(regarding.uid, 'default');
    expect(event?.metadata.namespace).to.equal('default');
    expect(event?.regarding).to.deep.equal(regarding);
  });

  it('truncates a note to 1 kB and recreates an Event deleted while its series continues', async () => {
    const cm = await configMap('long-note');
    const spec = { type: 'Warning', reason: 'Invalid', action: 'Validate', note: 'x'.repeat(3_000) } as const;
    await recorder.event(cm, spec);
    const [created] = await eventsFor(cm.uid!);
    expect(created!.note).to.have.length(1024);
    await client.request({
      method: 'DELETE',
      path: `/apis/events.k8s.io/v1/namespaces/${ns}/events/${created!.metadata.name}`,
    });
    void recorder.event(cm, spec);
    await recorder.flush();
    const [recreated, ...rest] = await eventsFor(cm.uid!);
    expect(rest).to.have.length(0);
    expect(recreated!.metadata.name).to.equal(created!.metadata.name);
    expect(recreated!.series?.count).to.equal(2);
    expect(logged).to.deep.equal([]);
  });

  it('never rejects: a failed write is logged and dropped, an invalid event is refused locally', async () => {
    const ghost = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      name: 'ghost',
      namespace: 'no-such-namespace',
      uid: 'u',
    };
    await recorder.event(ghost, { type: 'Warning', reason: 'Failed', action: 'Reconcile' });
    expect(logged).to.have.length(1);
    expect(logged[0]).to.match(/event write failed; dropped.*no-such-namespace/);
    const before = writes.length;
    await recorder.event(ghost, { type: 'Warning', reason: 'R'.repeat(129), action: 'Reconcile' });
    expect(writes.length).to.equal(before);
    expect(logged[1]).to.match(/dropping event: reason must be 1-128 bytes/);
  });
});
