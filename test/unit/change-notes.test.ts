import { expect } from 'chai';
import { ChangeNotes } from '../../src/runtime/change-notes.js';
import type { EventSpec, ObjectReference } from '../../src/runtime/events.js';
import type { Obj } from '../../src/runtime/object.js';

const owner = (name: string, uid: string): Obj => ({
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismPattern',
  metadata: { name, namespace: 'shop', uid },
});

/** A recorder that keeps what it was told. */
function recorder() {
  const told: { regarding: ObjectReference; spec: EventSpec }[] = [];
  return {
    told,
    event: (regarding: ObjectReference, spec: EventSpec) => {
      told.push({ regarding, spec });
      return Promise.resolve();
    },
  };
}

describe('one event per reconcile for the children it changed', () => {
  it('tells every child created for a new object in one Created event', () => {
    const notes = new ChangeNotes();
    const orders = owner('orders', 'u-1');
    notes.add(orders, 'Created', 'ConfigMap orders-config');
    notes.add(orders, 'Created', 'Deployment orders');
    notes.add(orders, 'Created', 'Service orders');
    const r = recorder();
    notes.flush(r);
    expect(r.told).to.have.length(1);
    expect(r.told[0]!.regarding).to.include({ kind: 'PrismPattern', name: 'orders', uid: 'u-1' });
    expect(r.told[0]!.spec).to.include({
      type: 'Normal',
      reason: 'Created',
      action: 'Reconcile',
      note: 'created ConfigMap orders-config, Deployment orders, Service orders',
    });
  });

  it('calls a mix of changes an update and groups the note by verb', () => {
    const notes = new ChangeNotes();
    const orders = owner('orders', 'u-1');
    notes.add(orders, 'Updated', 'Deployment orders');
    notes.add(orders, 'Deleted', 'PodDisruptionBudget orders (no longer in the spec)');
    notes.add(orders, 'Updated', 'ConfigMap orders-config');
    const r = recorder();
    notes.flush(r);
    expect(r.told[0]!.spec.reason).to.equal('Updated');
    expect(r.told[0]!.spec.note).to.equal(
      'updated Deployment orders, ConfigMap orders-config; deleted PodDisruptionBudget orders (no longer in the spec)',
    );
  });

  it('keeps owners apart: a stack and the pattern it scales each get their own event', () => {
    const notes = new ChangeNotes();
    notes.add(owner('a', 'u-a'), 'Created', 'Deployment a');
    notes.add(owner('b', 'u-b'), 'Deleted', 'Service b');
    const r = recorder();
    notes.flush(r);
    expect(r.told.map((t) => [t.regarding.name, t.spec.reason])).to.deep.equal([
      ['a', 'Created'],
      ['b', 'Deleted'],
    ]);
  });

  it('records nothing when the reconcile changed nothing, and forgets after a flush', () => {
    const notes = new ChangeNotes();
    const r = recorder();
    notes.flush(r);
    notes.add(owner('a', 'u-a'), 'Created', 'Deployment a');
    notes.flush(r);
    notes.flush(r);
    expect(r.told).to.have.length(1);
    expect(notes.size).to.equal(0);
  });
});
