// The API server's audit log as a request counter. apiserver_request_total has
// no user-agent label, so benchmarks and fault tests count what one client
// sent (by user agent and verb) from audit events instead: the server's view,
// not the client's own counters.
import { closeSync, openSync, readSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';

/** Audit verbs that change state (server-side apply is `patch`). */
export const AUDIT_WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export interface AuditEvent {
  verb: string;
  userAgent?: string;
  requestURI: string;
  /** The request body, only for requests an audit rule logs at level Request. */
  requestObject?: unknown;
  objectRef?: {
    resource?: string;
    subresource?: string;
    namespace?: string;
    name?: string;
    apiGroup?: string;
  };
  responseStatus?: { code?: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/**
 * kube-apiserver flags that write every request's metadata (no bodies) as
 * JSON lines to `<dir>/audit.log`. One event per request: RequestReceived is
 * omitted, so each request is counted once at ResponseComplete (or Panic).
 */
export function auditArgs(
  dir: string,
  /** Also keep the request bodies of writes to these resources (e.g. `prismpatterns/status`), to see what changed. */
  bodiesOf: { group: string; resources: string[] } = { group: '', resources: [] },
): { args: string[]; logPath: string } {
  const policyPath = join(dir, 'audit-policy.yaml');
  const logPath = join(dir, 'audit.log');
  writeFileSync(
    policyPath,
    stringify({
      apiVersion: 'audit.k8s.io/v1',
      kind: 'Policy',
      omitStages: ['RequestReceived'],
      rules: [
        ...(bodiesOf.resources.length > 0
          ? [{ level: 'Request', verbs: ['patch', 'update'], resources: [bodiesOf] }]
          : []),
        { level: 'Metadata' },
      ],
    }),
  );
  return {
    logPath,
    args: [
      `--audit-policy-file=${policyPath}`,
      `--audit-log-path=${logPath}`,
      '--audit-log-format=json',
      '--audit-log-mode=blocking',
      '--audit-log-maxbackup=0',
      '--audit-log-maxsize=0', // no rotation: offsets into the file stay valid
    ],
  };
}

/** Reads an audit log from byte offsets, so a run can be cut into windows. */
export class AuditLog {
  constructor(readonly path: string) {}

  /** The current end of the log; events after it belong to the next window. */
  offset(): number {
    return existsSync(this.path) ? statSync(this.path).size : 0;
  }

  /** Events written between two offsets (complete lines only). */
  events(from: number, to = this.offset()): AuditEvent[] {
    return this.read(from, to).events;
  }

  /** Complete events from `from` on, and the offset just after the last of them (where to read next). */
  read(from: number, to = this.offset()): { events: AuditEvent[]; next: number } {
    if (to <= from) return { events: [], next: from };
    const fd = openSync(this.path, 'r');
    try {
      const buf = Buffer.alloc(to - from);
      readSync(fd, buf, 0, buf.length, from);
      const complete = buf.subarray(0, buf.lastIndexOf(0x0a) + 1);
      const events = complete
        .toString('utf8')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as AuditEvent);
      return { events, next: from + complete.length };
    } finally {
      closeSync(fd);
    }
  }
}

/** What one tally key means: a verb, a resource, or both. */
export const resourceOf = (e: AuditEvent): string => {
  const r = e.objectRef?.resource ?? e.requestURI.split('?')[0]!;
  return e.objectRef?.subresource ? `${r}/${e.objectRef.subresource}` : r;
};

/** Counts events by a key, sorted by key for stable reports. */
export function tally(events: readonly AuditEvent[], key: (e: AuditEvent) => string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(key(e), (counts.get(key(e)) ?? 0) + 1);
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}

export const byUserAgent =
  (prefix: string) =>
  (e: AuditEvent): boolean =>
    (e.userAgent ?? '').startsWith(prefix);

export const isWrite = (e: AuditEvent): boolean => AUDIT_WRITE_VERBS.has(e.verb);
