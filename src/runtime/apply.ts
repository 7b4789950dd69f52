// Writes for reconcilers: server-side apply of desired objects, status patches
// through the status subresource, deletes with propagation, and finalizer
// edits. Every write is skipped when the cached object already matches, so a
// reconcile that changes nothing writes nothing.
import { CONTENT_TYPE, isNotFound, type KubeClient } from './kube-client.js';
import { objectPath, type RestMapper } from './discovery.js';
import { contentHash, isSubset, mergePatchFor } from './object-diff.js';
import type { Obj } from './object.js';
import { OwnStatusWrites } from './own-status.js';

export type { ObjectMeta, Obj, OwnerReference } from './object.js';

export interface ApplierOptions {
  fieldManager: string;
  /** Annotation that records the hash of what was last applied (detects removed fields). */
  hashAnnotation: string;
}

export interface ApplyResult {
  changed: boolean;
  object: Obj;
}

/** Counts of the writes one reconcile made; logged in its summary line. */
export interface WriteCounter {
  writes: number;
}

/** The desired object with its content hash stamped in an annotation. */
export function stampHash(desired: Obj, hashAnnotation: string): Obj {
  const annotations = Object.fromEntries(
    Object.entries(desired.metadata.annotations ?? {}).filter(([k]) => k !== hashAnnotation),
  );
  const hash = contentHash({ ...desired, metadata: { ...desired.metadata, annotations } });
  return {
    ...desired,
    metadata: { ...desired.metadata, annotations: { ...annotations, [hashAnnotation]: hash } },
  };
}

/**
 * Whether applying `stamped` would change `current`. Every desired field must
 * already be there (catches drift by others) and the stamped hash must match
 * (catches fields we applied before but no longer want).
 */
export function needsApply(stamped: Obj, current: Obj | undefined): boolean {
  return current === undefined || !isSubset(stamped, current);
}

export class Applier {
  private readonly ownStatus = new OwnStatusWrites();

  constructor(
    private readonly client: KubeClient,
    private readonly mapper: RestMapper,
    private readonly options: ApplierOptions,
  ) {}

  get fieldManager(): string {
    return this.options.fieldManager;
  }

  /** The annotation holding the hash of what was last applied. */
  get hashAnnotation(): string {
    return this.options.hashAnnotation;
  }

  /** Server-side apply (force) unless `current` (from the cache) already matches. */
  async apply(desired: Obj, current?: Obj, counter?: WriteCounter): Promise<ApplyResult> {
    const stamped = stampHash(desired, this.options.hashAnnotation);
    if (!needsApply(stamped, current)) return { changed: false, object: current! };
    const r = await this.mapper.resourceFor(desired.apiVersion, desired.kind);
    const object = await this.client.request<Obj>({
      method: 'PATCH',
      path: objectPath(r, desired.metadata.namespace, desired.metadata.name),
      query: { fieldManager: this.options.fieldManager, force: true },
      body: stamped,
      contentType: CONTENT_TYPE.apply,
    });
    if (counter) counter.writes++;
    return { changed: true, object };
  }

  /**
   * The cached object with the status this process last wrote to it, while
   * the cache still lags that write. Reconcilers read their object through
   * this, so a reconcile right after a status write builds on that write.
   */
  withOwnStatus<T extends Obj>(cached: T): T {
    return this.ownStatus.overlay(cached);
  }

  /**
   * Merge-patches `status` through the status subresource when it differs
   * from the cached status, or from the status this process just wrote when
   * the cache has not caught up with it yet.
   */
  async patchStatus(current: Obj, status: Record<string, unknown>, counter?: WriteCounter): Promise<boolean> {
    const base = this.ownStatus.overlay(current);
    const patch = mergePatchFor(base.status ?? {}, status);
    if (patch === undefined) return false;
    const r = await this.mapper.resourceFor(current.apiVersion, current.kind);
    const written = await this.client.request<Obj>({
      method: 'PATCH',
      path: objectPath(r, current.metadata.namespace, current.metadata.name, 'status'),
      body: { status: patch },
      contentType: CONTENT_TYPE.mergePatch,
    });
    this.ownStatus.record(current, written.status);
    if (counter) counter.writes++;
    return true;
  }

  /** Deletes an object; false when it was already gone. */
  async delete(
    ref: { apiVersion: string; kind: string; namespace?: string; name: string },
    propagationPolicy: 'Background' | 'Foreground' | 'Orphan' = 'Background',
    counter?: WriteCounter,
  ): Promise<boolean> {
    const r = await this.mapper.resourceFor(ref.apiVersion, ref.kind);
    try {
      await this.client.request({
        method: 'DELETE',
        path: objectPath(r, ref.namespace, ref.name),
        body: { apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy },
      });
      if (counter) counter.writes++;
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  /**
   * Adds or removes one finalizer. A merge patch carrying the cached
   * resourceVersion: it never recreates an object that is gone (an apply
   * would), and a concurrent change to the list fails with 409 and is retried
   * by the queue's backoff instead of overwriting another owner's finalizer.
   */
  async setFinalizer(
    obj: Obj,
    finalizer: string,
    present: boolean,
    counter?: WriteCounter,
  ): Promise<boolean> {
    const current = obj.metadata.finalizers ?? [];
    if (current.includes(finalizer) === present) return false;
    const finalizers = present ? [...current, finalizer] : current.filter((f) => f !== finalizer);
    const r = await this.mapper.resourceFor(obj.apiVersion, obj.kind);
    try {
      await this.client.request({
        method: 'PATCH',
        path: objectPath(r, obj.metadata.namespace, obj.metadata.name),
        body: { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } },
        contentType: CONTENT_TYPE.mergePatch,
      });
    } catch (err) {
      // Removing the finalizer of an object that is already gone is success.
      if (!present && isNotFound(err)) return false;
      throw err;
    }
    if (counter) counter.writes++;
    return true;
  }
}
