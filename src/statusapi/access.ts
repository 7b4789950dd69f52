// Access control for the status API and (optionally) /metrics, the way
// controller-runtime's WithAuthenticationAndAuthorization filter does it: the
// bearer token is checked with a TokenReview, the permission with a
// SubjectAccessReview, and both answers are cached briefly so a dashboard
// polling or reconnecting does not cost two API calls per request.
import { createHash } from 'node:crypto';
import type { KubeClient } from '../runtime/kube-client.js';

export interface UserInfo {
  username: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** One permission to check: on a resource (namespace '' = all namespaces) or a non-resource URL. */
export type Permission =
  { group: string; resource: string; verb: string; namespace: string } | { path: string; verb: string };

export type AccessResult =
  { allowed: true; user: UserInfo } | { allowed: false; code: 401 | 403; message: string };

interface Cached<T> {
  value: T;
  expires: number;
}

const MAX_ENTRIES = 1000;

class TtlCache<T> {
  private readonly entries = new Map<string, Cached<T>>();
  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  get(key: string): T | undefined {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.now()) return hit.value;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, value: T): void {
    // Bounded: a flood of distinct tokens cannot grow the cache without limit.
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
    this.entries.set(key, { value, expires: this.now() + this.ttlMs });
  }
}

/** The token of an "Authorization: Bearer <token>" header. */
export function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return m?.[1];
}

export function describePermission(p: Permission): string {
  if ('path' in p) return `${p.verb} ${p.path}`;
  const where = p.namespace ? `in namespace ${p.namespace}` : 'in all namespaces';
  return `${p.verb} ${p.resource}.${p.group} ${where}`;
}

export class AccessReviewer {
  private readonly users: TtlCache<UserInfo | undefined>;
  private readonly decisions: TtlCache<boolean>;

  constructor(
    private readonly client: KubeClient,
    { ttlMs = 10_000, now = Date.now }: { ttlMs?: number; now?: () => number } = {},
  ) {
    this.users = new TtlCache(ttlMs, now);
    this.decisions = new TtlCache(ttlMs, now);
  }

  /** Authenticates the request's bearer token and checks every permission; the first one denied answers 403. */
  async check(authorization: string | undefined, permissions: readonly Permission[]): Promise<AccessResult> {
    const user = await this.authenticate(authorization);
    if (!user) return { allowed: false, code: 401, message: 'a valid bearer token is required' };
    for (const p of permissions) {
      if (!(await this.authorize(user, p)))
        return { allowed: false, code: 403, message: `${user.username} may not ${describePermission(p)}` };
    }
    return { allowed: true, user };
  }

  async authenticate(authorization: string | undefined): Promise<UserInfo | undefined> {
    const token = bearerToken(authorization);
    if (!token) return undefined;
    // Keyed by a hash: the cache holds no usable credential.
    const key = createHash('sha256').update(token).digest('hex');
    const cached = this.users.get(key);
    if (cached !== undefined) return cached;
    const review = await this.client.request<{ status?: { authenticated?: boolean; user?: UserInfo } }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/tokenreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } },
    });
    const user = review.status?.authenticated && review.status.user ? review.status.user : undefined;
    if (user) this.users.set(key, user);
    return user;
  }

  async authorize(user: UserInfo, p: Permission): Promise<boolean> {
    const key = JSON.stringify([user.username, user.uid, user.groups, p]);
    const cached = this.decisions.get(key);
    if (cached !== undefined) return cached;
    const attributes =
      'path' in p
        ? { nonResourceAttributes: { path: p.path, verb: p.verb } }
        : {
            resourceAttributes: {
              group: p.group,
              resource: p.resource,
              verb: p.verb,
              namespace: p.namespace || undefined,
            },
          };
    const review = await this.client.request<{ status?: { allowed?: boolean } }>({
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: { user: user.username, uid: user.uid, groups: user.groups, extra: user.extra, ...attributes },
      },
    });
    const allowed = review.status?.allowed === true;
    this.decisions.set(key, allowed);
    return allowed;
  }
}

/** Whether a bind host is loopback-only, where the status API needs no token. */
export function isLoopback(host: string): boolean {
  return ['127.0.0.1', 'localhost', '::1'].includes(host) || host.startsWith('127.');
}
