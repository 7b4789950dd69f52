// "Add the finalizer, run apply; or run cleanup, then drop the finalizer" in
// one place, so reconcilers that own state garbage collection cannot reach
// (cluster-scoped children, things outside Kubernetes) all behave the same.
import type { Applier, Obj, WriteCounter } from './apply.js';

export interface CleanupOutcome {
  /** False while cleanup is still waiting on something; the finalizer stays. */
  done: boolean;
  requeueAfterMs?: number;
}

export interface FinalizerHandlers<R> {
  apply(obj: Obj): Promise<R>;
  cleanup(obj: Obj): Promise<CleanupOutcome>;
}

export type FinalizerResult<R> =
  { phase: 'applied'; result: R } | { phase: 'cleaned'; outcome: CleanupOutcome };

export async function withFinalizer<R>(
  applier: Applier,
  obj: Obj,
  finalizer: string,
  handlers: FinalizerHandlers<R>,
  counter?: WriteCounter,
): Promise<FinalizerResult<R>> {
  if (obj.metadata.deletionTimestamp) {
    if (!obj.metadata.finalizers?.includes(finalizer)) return { phase: 'cleaned', outcome: { done: true } };
    const outcome = await handlers.cleanup(obj);
    if (outcome.done) await applier.setFinalizer(obj, finalizer, false, counter);
    return { phase: 'cleaned', outcome };
  }
  await applier.setFinalizer(obj, finalizer, true, counter);
  return { phase: 'applied', result: await handlers.apply(obj) };
}
