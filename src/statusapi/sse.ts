// GET /api/v1/watch: a Server-Sent Events stream of status events. A new
// client first gets a snapshot of every object it may see; a client resuming
// with Last-Event-ID gets the events it missed, or a resync snapshot when they
// are no longer held. Heartbeats keep proxies from closing an idle stream.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EventLog, StatusEvent } from './event-log.js';
import type { StatusFeed } from './feed.js';
import type { ApiKind } from './kinds.js';

export interface WatchOptions {
  log: EventLog;
  feed: StatusFeed;
  /** The kinds this client may see. */
  kinds: readonly ApiKind[];
  /** Only this namespace, when set. */
  namespace?: string;
  heartbeatMs: number;
}

const frame = (event: string, data: unknown, id?: string): string =>
  `${id ? `id: ${id}\n` : ''}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

export function serveWatch(req: IncomingMessage, res: ServerResponse, opts: WatchOptions): void {
  const kindNames = new Set(opts.kinds.map((k) => k.kind));
  const visible = (e: StatusEvent) =>
    kindNames.has(e.kind) && (opts.namespace === undefined || e.namespace === opts.namespace);
  const send = (e: StatusEvent) => res.write(frame(e.type, e.data, e.id));
  const snapshot = (event: 'snapshot' | 'resync') =>
    res.write(frame(event, { objects: opts.feed.list(opts.kinds, opts.namespace) }, opts.log.lastId()));

  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write('retry: 2000\n\n');
  const lastEventId = header(req, 'last-event-id');
  if (lastEventId === undefined) snapshot('snapshot');
  else {
    const missed = opts.log.since(lastEventId);
    if (missed) missed.filter(visible).forEach(send);
    else snapshot('resync');
  }
  // Subscribing in the same tick as the snapshot: no event can fall in between.
  const unsubscribe = opts.log.subscribe((e) => {
    if (visible(e)) send(e);
  });
  const heartbeat = setInterval(
    () => res.write(frame('heartbeat', { at: new Date().toISOString() })),
    opts.heartbeatMs,
  );
  const close = () => {
    clearInterval(heartbeat);
    unsubscribe();
  };
  req.on('close', close);
  res.on('error', close);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}
