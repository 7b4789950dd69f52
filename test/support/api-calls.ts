// Turns the requests a KubeClient observed into what RBAC authorizes: API
// group, resource (with subresource, e.g. "deployments/scale"), namespace and
// verb, as the API server's request-info resolver does.
import type { RequestObserver } from '../../src/runtime/kube-client.js';

export type ObservedRequest = Parameters<RequestObserver>[0];

export type ApiCall =
  | { kind: 'resource'; group: string; resource: string; namespace?: string; verb: string }
  | { kind: 'nonResource'; path: string; verb: string };

const VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

export function apiCallOf(req: ObservedRequest): ApiCall {
  const parts = req.path.split('?')[0]!.split('/').filter(Boolean).map(decodeURIComponent);
  // /api/v1/... or /apis/<group>/<version>/...; anything shorter is discovery.
  const group = parts[0] === 'apis' ? (parts[1] ?? '') : '';
  let rest = parts.slice(parts[0] === 'api' ? 2 : parts[0] === 'apis' ? 3 : parts.length);
  if (rest.length === 0) return { kind: 'nonResource', path: req.path, verb: req.method.toLowerCase() };
  let namespace: string | undefined;
  // namespaces/<ns>/<resource>/... is namespaced; namespaces or namespaces/<name> is the Namespace itself.
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest as [string, string | undefined, string | undefined];
  const watch = ['true', '1'].includes(String(req.query?.watch));
  const verb =
    req.method === 'GET'
      ? name === undefined
        ? watch
          ? 'watch'
          : 'list'
        : 'get'
      : req.method === 'DELETE' && name === undefined
        ? 'deletecollection'
        : VERBS[req.method]!;
  return {
    kind: 'resource',
    group,
    resource: subresource ? `${resource}/${subresource}` : resource,
    namespace,
    verb,
  };
}

/**
 * The calls RBAC checks for one request: a server-side apply that created its
 * object (201) is authorized as patch and as create.
 */
export function apiCallsOf(req: ObservedRequest): ApiCall[] {
  const call = apiCallOf(req);
  if (call.kind === 'resource' && req.method === 'PATCH' && req.code === 201) {
    return [call, { ...call, verb: 'create' }];
  }
  return [call];
}

/** A readable key for a call, e.g. "patch apps/deployments/scale". */
export function describeCall(call: ApiCall): string {
  return call.kind === 'resource'
    ? `${call.verb} ${call.group || 'core'}/${call.resource}`
    : `${call.verb} ${call.path}`;
}
