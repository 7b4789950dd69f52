// Read-your-own-status-writes. After a status patch the informer cache shows
// the old version until the watch delivers the new one; a reconcile in that
// gap would recompute the status from the stale copy (with fresh condition
// timestamps) and send the same status again. This remembers, per object, the
// status this process last wrote and the cached resourceVersion it was based
// on, and puts it back over the cached object while the cache still shows
// exactly that version. Any other version (the watch caught up, or someone
// else wrote) means the cache is the truth again.
import type { Obj } from './object.js';

interface Written {
  basedOn: string | undefined;
  status: unknown;
}

export class OwnStatusWrites {
  /** Insertion order is age order, so the oldest entry is evicted first. */
  private readonly entries = new Map<string, Written>();

  constructor(private readonly maxEntries = 10_000) {}

  get size(): number {
    return this.entries.size;
  }

  /** Remembers that `status` was written over `basedOn` (the object the patch was computed from). */
  record(basedOn: Obj, status: unknown): void {
    const key = keyOf(basedOn);
    this.entries.delete(key);
    this.entries.set(key, { basedOn: basedOn.metadata.resourceVersion, status });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** `cached` with the status this process wrote, while the cache has not caught up with that write. */
  overlay<T extends Obj>(cached: T): T {
    const key = keyOf(cached);
    const written = this.entries.get(key);
    if (!written) return cached;
    if (written.basedOn === undefined || cached.metadata.resourceVersion !== written.basedOn) {
      this.entries.delete(key);
      return cached;
    }
    return { ...cached, status: written.status };
  }
}

const keyOf = (o: Obj): string =>
  o.metadata.uid ?? `${o.apiVersion}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
