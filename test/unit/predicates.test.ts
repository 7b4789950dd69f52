import { expect } from 'chai';
import type { Obj } from '../../src/runtime/object.js';
import { relatedChanged, specOrMetadataChanged } from '../../src/runtime/predicates.js';

const HASH = 'prism.io/applied-hash';

const pattern = (
  over: { generation?: number; rv?: string; status?: unknown; labels?: object } = {},
): Obj => ({
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismPattern',
  metadata: {
    name: 'orders',
    namespace: 'shop',
    generation: over.generation ?? 1,
    resourceVersion: over.rv ?? '1',
    ...(over.labels ? { labels: over.labels as Record<string, string> } : {}),
  },
  spec: { pattern: 'consumer' },
  ...(over.status ? { status: over.status } : {}),
});

const deployment = (over: {
  rv?: string;
  hash?: string;
  generation?: number;
  ready?: number;
  updatedAt?: string;
}): Obj => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'orders',
    namespace: 'shop',
    generation: over.generation ?? 1,
    resourceVersion: over.rv ?? '1',
    annotations: { [HASH]: over.hash ?? 'h1' },
  },
  spec: { template: {} },
  status: {
    readyReplicas: over.ready ?? 0,
    conditions: [
      {
        type: 'Progressing',
        status: 'True',
        reason: 'ReplicaSetUpdated',
        lastUpdateTime: over.updatedAt ?? '2026-01-01T00:00:00Z',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  },
});

describe('update predicates', () => {
  describe('specOrMetadataChanged (an object and its own reconciler)', () => {
    it('ignores a status-only write, the reconciler’s own', () => {
      expect(specOrMetadataChanged(pattern(), pattern({ rv: '2', status: { phase: 'Running' } }))).to.equal(
        false,
      );
    });

    it('passes a spec change (new generation) and a label change', () => {
      expect(specOrMetadataChanged(pattern(), pattern({ rv: '2', generation: 2 }))).to.equal(true);
      expect(specOrMetadataChanged(pattern(), pattern({ rv: '2', labels: { team: 'a' } }))).to.equal(true);
    });

    it('passes a content change of a kind without generation, not a bare resourceVersion bump', () => {
      const cm = (data: string, rv: string): Obj => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'c', namespace: 'shop', resourceVersion: rv },
        data: { a: data },
      });
      expect(specOrMetadataChanged(cm('1', '1'), cm('2', '2'))).to.equal(true);
      expect(specOrMetadataChanged(cm('1', '1'), cm('1', '2'))).to.equal(false);
    });
  });

  describe('relatedChanged (children and other watched objects)', () => {
    const changed = relatedChanged;

    it('passes a status change by another controller', () => {
      expect(changed(deployment({}), deployment({ rv: '2', ready: 1 }))).to.equal(true);
    });

    it('ignores bookkeeping: resourceVersion and a condition’s lastUpdateTime', () => {
      expect(changed(deployment({}), deployment({ rv: '2', updatedAt: '2026-01-01T00:05:00Z' }))).to.equal(
        false,
      );
    });

    it('passes someone else’s edit of the spec (same hash, new generation): drift to repair', () => {
      expect(changed(deployment({}), deployment({ rv: '2', generation: 2 }))).to.equal(true);
    });

    it('passes the operator’s own apply (its echo lets status read the applied spec)', () => {
      expect(changed(deployment({}), deployment({ rv: '2', hash: 'h2', generation: 2 }))).to.equal(true);
    });
  });
});
