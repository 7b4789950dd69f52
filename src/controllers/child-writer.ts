// Applies and deletes the children of one custom resource during one
// reconcile, noting what changed for the reconcile's one Normal event.
import { regardingOf } from '../runtime/events.js';
import type { Manager, ReconcileContext } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';

export function isControlledBy(child: Obj, owner: Obj): boolean {
  return (child.metadata.ownerReferences ?? []).some(
    (r) => r.uid === owner.metadata.uid && r.controller === true,
  );
}

export class ChildWriter {
  constructor(
    private readonly mgr: Manager,
    private readonly ctx: ReconcileContext,
    private readonly owner: Obj,
  ) {}

  /** Server-side apply unless the cached copy already matches; returns whether it wrote. */
  async apply(cacheName: string, desired: Obj): Promise<boolean> {
    const { name, namespace } = desired.metadata;
    const current = this.mgr.cache<Obj>(cacheName).get(namespace, name);
    const { changed } = await this.mgr.applier.apply(desired, current, this.ctx.writes);
    if (changed) this.ctx.changes.add(this.owner, current ? 'Updated' : 'Created', `${desired.kind} ${name}`);
    return changed;
  }

  /** Deletes a child this owner controls (background propagation: its own children follow). */
  async remove(child: Obj, why: string): Promise<void> {
    if (!isControlledBy(child, this.owner)) return;
    const deleted = await this.mgr.applier.delete(
      {
        apiVersion: child.apiVersion,
        kind: child.kind,
        namespace: child.metadata.namespace,
        name: child.metadata.name,
      },
      'Background',
      this.ctx.writes,
    );
    if (deleted) this.ctx.changes.add(this.owner, 'Deleted', `${child.kind} ${child.metadata.name} (${why})`);
  }

  /** Events are aggregated by the recorder, so a repeating failure does not flood the API. */
  tell(type: 'Normal' | 'Warning', reason: string, note: string): void {
    void this.mgr.recorder.event(regardingOf(this.owner), { type, reason, action: 'Reconcile', note });
  }
}
