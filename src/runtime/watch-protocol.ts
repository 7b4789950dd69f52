// The list/watch wire protocol the informer speaks: query parameters, the
// shapes of list responses and watch events, and watch ERROR events as errors.
import { KubeApiError } from './kube-client.js';
import type { KubeObject } from './object.js';

const PAGE_SIZE = 500;

export type Query = Record<string, string | number | boolean | undefined>;

export function listQuery(selectors: Selectors, continueToken?: string): Query {
  // No resourceVersion: a consistent read from etcd, never a stale cache.
  return { ...selectors, limit: PAGE_SIZE, continue: continueToken };
}

export function watchQuery(selectors: Selectors, resourceVersion: string, timeoutSeconds: number): Query {
  return { ...selectors, watch: 1, resourceVersion, allowWatchBookmarks: true, timeoutSeconds };
}

export interface Selectors {
  labelSelector?: string;
  fieldSelector?: string;
}

export interface ObjectList {
  metadata: { resourceVersion?: string; continue?: string };
  items: KubeObject[];
}

export interface StatusObject {
  code?: number;
  reason?: string;
  message?: string;
}

export interface WatchEvent {
  /** ADDED, MODIFIED, DELETED, BOOKMARK or ERROR; kept a string so unknown types are handled. */
  type: string;
  object: KubeObject | StatusObject;
}

/** How one list+watch attempt ended. */

export function statusError(status: StatusObject): KubeApiError {
  const code = status.code ?? 500;
  return new KubeApiError(
    code,
    status.reason ?? 'Unknown',
    status.message ?? `watch ERROR event (code ${code})`,
  );
}
