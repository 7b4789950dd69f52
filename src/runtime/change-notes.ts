// What one reconcile changed, told as one Normal event per object at the end
// of the reconcile ("created ConfigMap a-config, Deployment a, Service a")
// rather than one event per child. Per-child events cost an Event create plus,
// because the recorder folds same-reason events into a series, a series patch
// a few seconds later: two writes per object for what one write says.
import { regardingOf, type EventRecorder } from './events.js';
import type { Obj } from './object.js';

export type ChangeVerb = 'Created' | 'Updated' | 'Deleted';

interface Change {
  verb: ChangeVerb;
  /** e.g. `Deployment orders`, or `PodDisruptionBudget orders (no longer in the spec)`. */
  what: string;
}

export class ChangeNotes {
  /** By the regarding object's uid (or name), in the order first seen. */
  private readonly byObject = new Map<string, { regarding: Obj; changes: Change[] }>();

  add(regarding: Obj, verb: ChangeVerb, what: string): void {
    const key =
      regarding.metadata.uid ??
      `${regarding.kind}/${regarding.metadata.namespace}/${regarding.metadata.name}`;
    const entry = this.byObject.get(key) ?? { regarding, changes: [] };
    entry.changes.push({ verb, what });
    this.byObject.set(key, entry);
  }

  get size(): number {
    return this.byObject.size;
  }

  /** Records one event per object, then forgets; safe to call when nothing changed. */
  flush(recorder: Pick<EventRecorder, 'event'>): void {
    for (const { regarding, changes } of this.byObject.values()) {
      void recorder.event(regardingOf(regarding), {
        type: 'Normal',
        reason: reasonFor(changes),
        action: 'Reconcile',
        note: noteFor(changes),
      });
    }
    this.byObject.clear();
  }
}

/** The shared verb when every change has it; a mix reads as an update. */
export function reasonFor(changes: readonly Change[]): ChangeVerb {
  const verbs = new Set(changes.map((c) => c.verb));
  return verbs.size === 1 ? changes[0]!.verb : 'Updated';
}

/** "created ConfigMap a, Deployment a; deleted Service a": grouped by verb, in order of first appearance. */
export function noteFor(changes: readonly Change[]): string {
  const groups = new Map<ChangeVerb, string[]>();
  for (const c of changes) groups.set(c.verb, [...(groups.get(c.verb) ?? []), c.what]);
  return [...groups].map(([verb, whats]) => `${verb.toLowerCase()} ${whats.join(', ')}`).join('; ');
}
