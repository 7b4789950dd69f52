// A one-way "ready" latch that callers can wait on with a timeout; closing it
// rejects everyone still waiting. The informer uses it for hasSynced/waitForSync.

interface Waiter {
  resolve: () => void;
  reject: (err: Error) => void;
}

export class SyncGate {
  private opened = false;
  private closedWith: Error | undefined;
  private readonly waiters = new Set<Waiter>();

  /** @param timeoutError builds the rejection for a wait that timed out. */
  constructor(private readonly timeoutError: (timeoutMs: number) => Error) {}

  get isOpen(): boolean {
    return this.opened;
  }

  open(): void {
    this.opened = true;
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
  }

  /** No open will come any more: everyone waiting (and later) is rejected with `err`. */
  close(err: Error): void {
    if (this.opened) return;
    this.closedWith = err;
    for (const w of this.waiters) w.reject(err);
    this.waiters.clear();
  }

  wait(timeoutMs?: number): Promise<void> {
    if (this.opened) return Promise.resolve();
    if (this.closedWith) return Promise.reject(this.closedWith);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiters.delete(waiter);
              reject(this.timeoutError(timeoutMs));
            }, timeoutMs);
      this.waiters.add(waiter);
    });
  }
}
