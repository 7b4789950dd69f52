// The informer's event handlers: registration, and firing each handler in
// isolation so that a throwing or rejecting one is reported and never reaches
// the watch loop or the other handlers.
import type { KubeObject } from './object.js';

export type Handler<T> = (obj: T) => void;
export type UpdateHandler<T> = (old: T, cur: T) => void;
export type HandlerFailure<T> = (event: 'add' | 'update' | 'delete', obj: T, err: unknown) => void;

export class InformerHandlers<T extends KubeObject> {
  private readonly adds = new Set<Handler<T>>();
  private readonly updates = new Set<UpdateHandler<T>>();
  private readonly deletes = new Set<Handler<T>>();

  constructor(private readonly failed: HandlerFailure<T>) {}

  onAdd(handler: Handler<T>): () => void {
    this.adds.add(handler);
    return () => this.adds.delete(handler);
  }

  onUpdate(handler: UpdateHandler<T>): () => void {
    this.updates.add(handler);
    return () => this.updates.delete(handler);
  }

  onDelete(handler: Handler<T>): () => void {
    this.deletes.add(handler);
    return () => this.deletes.delete(handler);
  }

  added(obj: T): void {
    for (const h of this.adds) this.call('add', obj, () => h(obj));
  }

  updated(old: T, cur: T): void {
    for (const h of this.updates) this.call('update', cur, () => h(old, cur));
  }

  deleted(obj: T): void {
    for (const h of this.deletes) this.call('delete', obj, () => h(obj));
  }

  private call(event: 'add' | 'update' | 'delete', obj: T, run: () => unknown): void {
    try {
      const result = run();
      if (isThenable(result)) result.then(undefined, (err: unknown) => this.failed(event, obj, err));
    } catch (err) {
      this.failed(event, obj, err);
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | undefined)?.then === 'function';
}
