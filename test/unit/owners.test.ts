import { expect } from 'chai';
import type { Obj } from '../../src/runtime/apply.js';
import { collectionPath, objectPath, splitApiVersion } from '../../src/runtime/discovery.js';
import {
  controllerReference,
  keyOf,
  parseKey,
  toControllerOwner,
  toLabelledOwner,
  toSelf,
} from '../../src/runtime/owners.js';
import { parseBindAddress } from '../../src/runtime/server.js';

const child = (meta: Partial<Obj['metadata']>): Obj => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'c', namespace: 'shop', ...meta },
});

describe('keys and owners', () => {
  it('round-trips keys, including cluster-scoped ones and names with dots', () => {
    expect(parseKey(keyOf('PrismPattern', 'shop', 'orders.v2'))).to.deep.equal({
      kind: 'PrismPattern',
      namespace: 'shop',
      name: 'orders.v2',
    });
    expect(keyOf('Namespace', undefined, 'tenant-a')).to.equal('Namespace//tenant-a');
    expect(parseKey('Namespace//tenant-a')).to.deep.equal({
      kind: 'Namespace',
      namespace: '',
      name: 'tenant-a',
    });
    expect(() => parseKey('garbage')).to.throw(/malformed/);
  });

  it('maps a child to its controller owner of the right kind and group only', () => {
    const map = toControllerOwner('PrismPattern', 'prism.io');
    const refs = [
      { apiVersion: 'prism.io/v1alpha1', kind: 'PrismPattern', name: 'orders', uid: '1', controller: true },
      { apiVersion: 'other.io/v1', kind: 'PrismPattern', name: 'impostor', uid: '2', controller: true },
      { apiVersion: 'prism.io/v1alpha1', kind: 'PrismPattern', name: 'not-controller', uid: '3' },
    ];
    expect(map(child({ ownerReferences: refs }))).to.deep.equal(['PrismPattern/shop/orders']);
    expect(map(child({}))).to.deep.equal([]);
  });

  it('maps a cluster-scoped child to its owner through labels', () => {
    const map = toLabelledOwner('PrismNamespace', 'prism.io/owner-namespace', 'prism.io/owner-name');
    const ns = child({
      namespace: undefined,
      labels: { 'prism.io/owner-namespace': 'ops', 'prism.io/owner-name': 't1' },
    });
    expect(map(ns)).to.deep.equal(['PrismNamespace/ops/t1']);
    expect(map(child({ labels: {} }))).to.deep.equal([]);
    expect(toSelf('Widget')(child({ name: 'w' }))).to.deep.equal(['Widget/shop/w']);
  });

  it('builds a controller reference that blocks owner deletion, and refuses an owner without uid', () => {
    const owner: Obj = {
      apiVersion: 'prism.io/v1alpha1',
      kind: 'PrismPattern',
      metadata: { name: 'o', uid: 'u1' },
    };
    expect(controllerReference(owner)).to.deep.equal({
      apiVersion: 'prism.io/v1alpha1',
      kind: 'PrismPattern',
      name: 'o',
      uid: 'u1',
      controller: true,
      blockOwnerDeletion: true,
    });
    expect(() => controllerReference({ ...owner, metadata: { name: 'o' } })).to.throw(/no uid/);
  });

  it('builds REST paths for core, grouped, namespaced and cluster-scoped resources', () => {
    const cm = { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true };
    const ns = { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false };
    const hpa = {
      group: 'autoscaling',
      version: 'v2',
      kind: 'HorizontalPodAutoscaler',
      plural: 'horizontalpodautoscalers',
      namespaced: true,
    };
    expect(collectionPath(cm, 'a')).to.equal('/api/v1/namespaces/a/configmaps');
    expect(collectionPath(cm)).to.equal('/api/v1/configmaps');
    expect(objectPath(ns, undefined, 't')).to.equal('/api/v1/namespaces/t');
    expect(objectPath(hpa, 'a', 'h', 'status')).to.equal(
      '/apis/autoscaling/v2/namespaces/a/horizontalpodautoscalers/h/status',
    );
    expect(splitApiVersion('keda.sh/v1alpha1')).to.deep.equal({ group: 'keda.sh', version: 'v1alpha1' });
    expect(splitApiVersion('v1')).to.deep.equal({ group: '', version: 'v1' });
  });

  it('parses bind addresses', () => {
    expect(parseBindAddress(':8081')).to.deep.equal({ host: '0.0.0.0', port: 8081 });
    expect(parseBindAddress('127.0.0.1:0')).to.deep.equal({ host: '127.0.0.1', port: 0 });
    expect(parseBindAddress('[::1]:9000')).to.deep.equal({ host: '::1', port: 9000 });
    expect(() => parseBindAddress('localhost:http')).to.throw(/invalid/);
  });
});
