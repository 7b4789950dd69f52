// The read-only status API, its event stream and the status page, on the
// operator's HTTP server. Everything is served from the manager's caches. When
// the server listens beyond loopback, every API request needs a bearer token
// allowed to `list` the Prism kind (TokenReview + SubjectAccessReview).
import type { ServerResponse } from 'node:http';
import { MANAGED_BY, MANAGED_BY_LABEL } from '../resources/meta.js';
import type { Informer, ResourceRef } from '../runtime/informer.js';
import type { Manager } from '../runtime/manager.js';
import type { Handler } from '../runtime/server.js';
import { AccessReviewer, isLoopback, type Permission } from './access.js';
import { loadAssets, sendAsset } from './assets.js';
import { EventLog } from './event-log.js';
import { StatusFeed } from './feed.js';
import { API_KINDS, WORKLOADS, kindByCollection, type ApiKind } from './kinds.js';
import { serveWatch } from './sse.js';

export interface StatusApiOptions {
  /** Require a token for the API even on loopback (default: only when bound beyond loopback). */
  requireAuth?: boolean;
  /** Put the same TokenReview + SubjectAccessReview check (get on the /metrics URL) in front of /metrics. */
  metricsAuth?: boolean;
  heartbeatMs?: number;
  /** Events held for Last-Event-ID resume. */
  eventLogSize?: number;
}

export interface StatusApi {
  feed: StatusFeed;
  log: EventLog;
}

/**
 * Registers the status API on the manager's HTTP server. Call after the
 * reconcilers are registered: kinds they watch are read from their caches, the
 * others get a watch of their own (which enqueues nothing).
 */
export function setupStatusApi(mgr: Manager, opts: StatusApiOptions = {}): StatusApi | undefined {
  const server = mgr.server;
  if (!server) return undefined;
  const cacheOf = (cache: string, resource: ResourceRef, labelSelector?: string): Informer =>
    mgr.watching(cache) ? mgr.cache(cache) : mgr.watch(cache, { resource, labelSelector, map: () => [] });
  const managed = `${MANAGED_BY_LABEL} in (${MANAGED_BY},keda-operator)`;
  const log = new EventLog(opts.eventLogSize);
  const feed = new StatusFeed(
    {
      kinds: new Map(API_KINDS.map((k) => [k.kind, cacheOf(k.cache, k.resource)])),
      deployments: cacheOf(WORKLOADS.deployments.cache, WORKLOADS.deployments.resource, managed),
      hpas: cacheOf(WORKLOADS.hpas.cache, WORKLOADS.hpas.resource, managed),
    },
    log,
  );
  feed.connect();

  const reviewer = new AccessReviewer(mgr.client);
  const authRequired = opts.requireAuth ?? !isLoopback(server.host);
  /** Runs `handler` only when the request may see what `permissions` cover; else 401/403 and no data. */
  const guarded =
    (permissions: (url: URL) => Permission[], enabled: boolean, handler: Handler): Handler =>
    async (req, res, url) => {
      if (enabled) {
        const result = await reviewer.check(req.headers.authorization, permissions(url));
        if (!result.allowed) {
          deny(res, result.code, result.message);
          return;
        }
      }
      await handler(req, res, url);
    };
  const listOn = (kinds: readonly ApiKind[], namespace: string | undefined): Permission[] =>
    kinds.map((k) => ({
      group: k.resource.group,
      resource: k.resource.plural,
      verb: 'list',
      namespace: namespace ?? '',
    }));

  for (const kind of API_KINDS) {
    server.route(
      'GET',
      `/api/v1/${kind.collection}`,
      guarded(
        (url) => listOn([kind], namespaceParam(url)),
        authRequired,
        (_req, res, url) => sendJson(res, 200, { items: feed.list([kind], namespaceParam(url)) }),
      ),
    );
  }
  server.routePrefix(
    'GET',
    '/api/v1/',
    guarded(
      (url) => {
        const target = objectPath(url);
        return target ? listOn([target.kind], target.namespace) : [];
      },
      authRequired,
      (_req, res, url) => {
        const target = objectPath(url);
        const view = target && feed.get(target.kind, target.namespace, target.name);
        if (view) sendJson(res, 200, view);
        else sendJson(res, 404, { message: `not found: ${url.pathname}` });
      },
    ),
  );
  server.route(
    'GET',
    '/api/v1/watch',
    guarded(
      // The stream carries every kind, so it needs list on each.
      (url) => listOn(API_KINDS, namespaceParam(url)),
      authRequired,
      (req, res, url) =>
        serveWatch(req, res, {
          log,
          feed,
          kinds: API_KINDS,
          namespace: namespaceParam(url),
          heartbeatMs: opts.heartbeatMs ?? 15_000,
        }),
    ),
  );

  const assets = loadAssets();
  server.route('GET', '/', (_req, res) => sendAsset(res, assets.get('index.html')!));
  for (const [file, asset] of assets)
    server.route('GET', `/static/${file}`, (_req, res) => sendAsset(res, asset));

  if (opts.metricsAuth)
    server.wrap('GET', '/metrics', (inner) =>
      guarded(() => [{ path: '/metrics', verb: 'get' }], true, inner),
    );
  return { feed, log };
}

function namespaceParam(url: URL): string | undefined {
  return url.searchParams.get('namespace') || undefined;
}

/** /api/v1/<collection>/<namespace>/<name> */
function objectPath(url: URL): { kind: ApiKind; namespace: string; name: string } | undefined {
  const parts = url.pathname.split('/').slice(3).map(decodeURIComponent);
  if (parts.length !== 3 || parts.some((p) => !p)) return undefined;
  const kind = kindByCollection(parts[0]!);
  return kind && { kind, namespace: parts[1]!, name: parts[2]! };
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache' });
  res.end(JSON.stringify(body));
}

function deny(res: ServerResponse, code: number, message: string): void {
  res.writeHead(code, {
    'Content-Type': 'application/json',
    ...(code === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
  });
  res.end(JSON.stringify({ message }));
}
