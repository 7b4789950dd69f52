// Timing helpers that respect an AbortSignal, for loops that must stop at once.

/** Sleeps `ms`, or resolves early when `signal` aborts. Never rejects. */
export function sleepUnless(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Runs `fn` with a signal that aborts after `timeoutMs` or when `cancel`
 * aborts, so a hung request cannot outlive a deadline. Not AbortSignal.any +
 * AbortSignal.timeout: on Node 20 a timeout signal inside a composite can be
 * garbage-collected before it fires (nodejs/node#57736), and every composite
 * adds a listener to the long-lived signal.
 */
export async function withDeadline<T>(
  timeoutMs: number,
  cancel: AbortSignal,
  what: string,
  fn: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new Error(`${what} deadline of ${Math.round(timeoutMs)} ms passed`)),
    Math.max(1, timeoutMs),
  );
  const onCancel = () => controller.abort(cancel.reason);
  if (cancel.aborted) onCancel();
  else cancel.addEventListener('abort', onCancel, { once: true });
  try {
    return await fn(controller.signal);
  } finally {
    clearTimeout(timer);
    cancel.removeEventListener('abort', onCancel);
  }
}
