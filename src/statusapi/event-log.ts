// A bounded in-memory log of status events for the SSE stream. Event IDs are
// "<epoch>-<sequence>": a client resuming with an ID from an earlier process,
// or one that has fallen out of the ring, gets a full resync instead of a gap.
import { randomBytes } from 'node:crypto';

export type StatusEventType = 'added' | 'modified' | 'deleted' | 'replicas';

export interface StatusEvent {
  id: string;
  type: StatusEventType;
  kind: string;
  namespace: string;
  name: string;
  data: unknown;
}

type Listener = (event: StatusEvent) => void;

export class EventLog {
  private readonly ring: StatusEvent[] = [];
  private readonly listeners = new Set<Listener>();
  private seq = 0;

  constructor(
    private readonly capacity = 1000,
    private readonly epoch = randomBytes(4).toString('hex'),
  ) {}

  append(event: Omit<StatusEvent, 'id'>): StatusEvent {
    const full = { id: `${this.epoch}-${++this.seq}`, ...event };
    this.ring.push(full);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const listener of this.listeners) listener(full);
    return full;
  }

  /** The ID a client would resume from now (the newest event's). */
  lastId(): string {
    return `${this.epoch}-${this.seq}`;
  }

  /** Events after `lastId`, or undefined when they are no longer all held (resync). */
  since(lastId: string): StatusEvent[] | undefined {
    const m = /^([0-9a-f]+)-(\d+)$/.exec(lastId);
    if (m?.[1] !== this.epoch) return undefined;
    const after = Number(m[2]);
    if (after > this.seq) return undefined;
    const oldest = this.seq - this.ring.length; // the sequence number just before the ring's first event
    if (after < oldest) return undefined;
    return this.ring.slice(after - oldest);
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
