// One reconcile of one key, as the work queue runs it: the context the reconciler
// gets (logger, write counter, change notes, leadership signal), what its outcome
// means for the key (forget, requeue-after, backoff), controller-runtime's
// metrics, and the one summary log line per reconcile.
import type { WriteCounter } from './apply.js';
import { ChangeNotes } from './change-notes.js';
import type { EventRecorder } from './events.js';
import { controllerName } from './keys.js';
import type { Logger } from './logger.js';
import type { OperatorMetrics, ReconcileOutcome } from './metrics.js';
import type { WorkQueue } from './workqueue.js';

export interface ReconcileRequest {
  key: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface ReconcileContext extends ReconcileRequest {
  log: Logger;
  /** Writes this reconcile made; pass to Applier calls. */
  writes: WriteCounter;
  /** Aborted when leadership is lost or the manager stops. */
  signal: AbortSignal;
  /** Children this reconcile created, updated or deleted: one Normal event per owner when it ends. */
  changes: ChangeNotes;
}

export interface ReconcileResult {
  requeueAfterMs?: number;
}

export interface Reconciler {
  /** The kind whose keys this reconciler handles, e.g. PrismPattern. */
  readonly kind: string;
  reconcile(ctx: ReconcileContext): Promise<ReconcileResult | undefined>;
}

/** An error retrying cannot fix: logged and counted, not requeued with backoff. */
export class TerminalError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TerminalError';
  }
}

export interface ReconcileRunDeps {
  queue: WorkQueue;
  metrics: OperatorMetrics;
  recorder: EventRecorder;
  log: Logger;
  /** Aborted when leadership is lost or the manager stops. */
  signal: AbortSignal;
  isLeader: () => boolean;
}

/** Runs `reconciler` for `req` and settles the key in the queue. */
export async function runReconcile(
  reconciler: Reconciler,
  req: ReconcileRequest,
  deps: ReconcileRunDeps,
): Promise<void> {
  const controller = controllerName(req.kind);
  const log = deps.log.child({ controller, namespace: req.namespace, name: req.name });
  const ctx: ReconcileContext = {
    ...req,
    log,
    writes: { writes: 0 },
    changes: new ChangeNotes(),
    signal: deps.signal,
  };
  const started = performance.now();
  deps.metrics.activeWorkers.inc({ controller });
  let outcome: ReconcileOutcome = 'success';
  let error: unknown;
  try {
    const result = await reconciler.reconcile(ctx);
    deps.queue.forget(req.key);
    if (result?.requeueAfterMs !== undefined && result.requeueAfterMs > 0) {
      outcome = 'requeue_after';
      deps.queue.addAfter(req.key, result.requeueAfterMs);
    }
  } catch (err) {
    error = err;
    outcome = 'error';
    deps.metrics.reconcileErrors.inc({ controller });
    if (err instanceof TerminalError) {
      deps.metrics.terminalErrors.inc({ controller });
      deps.queue.forget(req.key);
    } else if (deps.isLeader()) {
      // Leadership may have been lost while the reconcile ran.
      deps.queue.addRateLimited(req.key);
    }
  } finally {
    deps.metrics.activeWorkers.dec({ controller });
    ctx.changes.flush(deps.recorder); // what was done stays told, even when a later step failed
  }
  const seconds = (performance.now() - started) / 1000;
  deps.metrics.reconcileTime.observe({ controller }, seconds);
  deps.metrics.reconcileTotal.inc({ controller, result: outcome });
  const summary = { result: outcome, durationMs: Math.round(seconds * 1000), writes: ctx.writes.writes };
  if (error)
    log.error('reconcile failed', {
      ...summary,
      error: errorMessage(error),
      retries: deps.queue.numRequeues(req.key),
    });
  else log.info('reconciled', summary);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
