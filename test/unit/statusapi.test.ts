import { expect } from 'chai';
import { bearerToken, isLoopback } from '../../src/statusapi/access.js';
import { EventLog } from '../../src/statusapi/event-log.js';
import { patternNameOf } from '../../src/statusapi/feed.js';
import { API_KINDS } from '../../src/statusapi/kinds.js';
import { objectView, scalerState } from '../../src/statusapi/views.js';
import type { KubeObject } from '../../src/runtime/informer.js';

type Json = Record<string, any>;

const aPattern = (name: string, spec: Json = {}, status: Json = {}): KubeObject => ({
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismPattern',
  metadata: { name, namespace: 'shop', generation: 2 },
  spec: { pattern: 'consumer', backend: 'kafka', image: 'runner:1', ...spec },
  status,
});

const aDeployment = (replicas: number, ready: number, specReplicas = replicas): KubeObject => ({
  metadata: { name: 'orders', namespace: 'shop' },
  spec: { replicas: specReplicas },
  status: { replicas, readyReplicas: ready },
});

const anHpa = (current: number, desired: number, min: number, max: number): KubeObject => ({
  metadata: { name: 'orders', namespace: 'shop' },
  spec: { minReplicas: min, maxReplicas: max },
  status: { currentReplicas: current, desiredReplicas: desired, lastScaleTime: '2026-01-01T10:00:00Z' },
});

describe('status API views', function () {
  it('shows a fixed-size pattern with the Deployment’s live counts and no bounds', function () {
    const state = scalerState(aPattern('orders', { replicas: 3 }), { deployment: aDeployment(1, 0, 3) });
    expect(state).to.deep.equal({
      engine: 'none',
      currentReplicas: 1,
      readyReplicas: 0,
      desiredReplicas: 3,
      triggers: [],
    });
  });

  it('shows an HPA pattern with the HPA’s desired count, bounds, last scale time and resource targets', function () {
    const p = aPattern('orders', {
      autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 },
    });
    const state = scalerState(p, { deployment: aDeployment(2, 2), hpa: anHpa(2, 4, 2, 6) });
    expect(state).to.deep.include({
      engine: 'hpa',
      currentReplicas: 2,
      desiredReplicas: 4,
      minReplicas: 2,
      maxReplicas: 6,
    });
    expect(state.lastScaleTime).to.equal('2026-01-01T10:00:00Z');
    expect(state.triggers).to.deep.equal([{ type: 'cpu', target: '70%' }]);
  });

  it('takes the Deployment’s replicas as desired while the HPA has computed nothing yet (desired 0)', function () {
    const p = aPattern(
      'orders',
      { autoscaling: { enabled: true, minReplicas: 1, maxReplicas: 4 } },
      { scaler: { engine: 'hpa', objectName: 'orders', desiredReplicas: 0 } },
    );
    const state = scalerState(p, { deployment: aDeployment(1, 0), hpa: anHpa(1, 0, 1, 4) });
    expect(state).to.deep.include({ currentReplicas: 1, desiredReplicas: 1, minReplicas: 1, maxReplicas: 4 });
  });

  it('falls back to the pattern’s reported scaler status and lists KEDA triggers by name and type', function () {
    const p = aPattern(
      'orders',
      {
        autoscaling: {
          enabled: true,
          scaler: 'keda',
          maxReplicas: 10,
          triggers: [{ type: 'kafka', name: 'lag', metadata: { lagThreshold: '5' } }],
        },
      },
      {
        scaler: {
          engine: 'keda',
          objectName: 'orders',
          currentReplicas: 0,
          desiredReplicas: 0,
          minReplicas: 0,
          maxReplicas: 10,
          active: false,
        },
      },
    );
    expect(scalerState(p)).to.deep.equal({
      engine: 'keda',
      currentReplicas: 0,
      desiredReplicas: 0,
      minReplicas: 0,
      maxReplicas: 10,
      active: false,
      triggers: [{ type: 'kafka', name: 'lag' }],
    });
  });

  it('summarises a spec to its top-level scalars, so nested settings such as credentials never appear', function () {
    const backend = {
      metadata: { name: 'kafka', namespace: 'shop' },
      spec: { provider: 'kafka', auth: { secretRef: { name: 's' } } },
      status: { phase: 'Ready', conditions: [{ type: 'Ready', status: 'True' }] },
    } as unknown as KubeObject;
    const view = objectView(
      API_KINDS.find((k) => k.kind === 'PrismBackend')!,
      backend,
    );
    expect(view).to.deep.include({ kind: 'PrismBackend', phase: 'Ready', spec: { provider: 'kafka' } });
    expect(view.conditions).to.deep.equal([{ type: 'Ready', status: 'True' }]);
    expect(view.scaler).to.equal(undefined);
  });

  it('finds the pattern of its Deployment (owner) and of KEDA’s HPA (the ScaledObject owner)', function () {
    const owned = (kind: string, name: string) => ({
      metadata: {
        name: 'x',
        ownerReferences: [{ apiVersion: 'v1', kind, name, uid: '1', controller: true }],
      },
    });
    expect(patternNameOf(owned('PrismPattern', 'orders'))).to.equal('orders');
    expect(patternNameOf(owned('ScaledObject', 'orders'))).to.equal('orders');
    expect(patternNameOf(owned('ReplicaSet', 'orders'))).to.equal(undefined);
  });
});

describe('the status event log', function () {
  const event = (name: string) => ({
    type: 'modified' as const,
    kind: 'PrismPattern',
    namespace: 'shop',
    name,
    data: {},
  });

  it('replays the events after a Last-Event-ID, in order', function () {
    const log = new EventLog(10, 'e1');
    log.append(event('a'));
    const { id } = log.append(event('b'));
    log.append(event('c'));
    log.append(event('d'));
    expect(log.since(id)?.map((e) => e.name)).to.deep.equal(['c', 'd']);
    expect(log.since(log.lastId())).to.deep.equal([]);
  });

  it('asks for a resync when the ID fell out of the ring, is from another process, or is garbage', function () {
    const log = new EventLog(2, 'e1');
    const first = log.append(event('a'));
    log.append(event('b'));
    log.append(event('c'));
    log.append(event('d'));
    expect(log.since(first.id)).to.equal(undefined);
    expect(log.since('ffff-1')).to.equal(undefined);
    expect(log.since('e1-99')).to.equal(undefined);
    expect(log.since('nonsense')).to.equal(undefined);
    expect(log.since('e1-2')?.map((e) => e.name)).to.deep.equal(['c', 'd']);
  });

  it('tells subscribers of every new event until they unsubscribe', function () {
    const log = new EventLog(5, 'e1');
    const seen: string[] = [];
    const stop = log.subscribe((e) => seen.push(e.name));
    log.append(event('a'));
    stop();
    log.append(event('b'));
    expect(seen).to.deep.equal(['a']);
  });
});

describe('status API access helpers', function () {
  it('reads a bearer token and nothing else from the Authorization header', function () {
    expect(bearerToken('Bearer abc.def')).to.equal('abc.def');
    expect(bearerToken('bearer abc')).to.equal('abc');
    expect(bearerToken('Basic dXNlcjpwYXNz')).to.equal(undefined);
    expect(bearerToken(undefined)).to.equal(undefined);
  });

  it('treats only loopback bind addresses as not needing a token', function () {
    expect(['127.0.0.1', 'localhost', '::1'].every(isLoopback)).to.equal(true);
    expect(['0.0.0.0', '', '::', '10.0.0.5'].some(isLoopback)).to.equal(false);
  });
});
