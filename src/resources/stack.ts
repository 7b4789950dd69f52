// Everything a PrismStack should own, by the cache that holds each kind: the
// reconciler applies these and prunes what it owns beyond them. Pure.
import type { PrismStackSpec } from '../api/v1alpha1/prismstack.js';
import type { Obj } from '../runtime/object.js';
import type { Owner } from './meta.js';
import {
  adminDeploymentFor,
  adminServiceAccountFor,
  adminServiceFor,
  leaderElectionEnabled,
  leaderElectionRoleBindingFor,
  leaderElectionRoleFor,
} from './stack-admin.js';
import { childBackends, childNamespaces, childPatterns } from './stack-children.js';
import { adminEnabled } from './stack-meta.js';
import { proxyConfigMapFor, proxyDeploymentFor, proxyServiceFor } from './stack-proxy.js';

export type CacheName =
  | 'configmaps'
  | 'deployments'
  | 'services'
  | 'serviceaccounts'
  | 'roles'
  | 'rolebindings'
  | 'prismbackends'
  | 'prismnamespaces'
  | 'prismpatterns';

/** In apply order: backends before the patterns that use them, the proxy's ConfigMap before the proxy. */
export function desiredChildren(owner: Owner, spec: PrismStackSpec): [CacheName, Obj[]][] {
  const admin = adminEnabled(spec);
  const election = admin && leaderElectionEnabled(spec);
  const config = proxyConfigMapFor(owner, spec);
  return [
    ['prismbackends', childBackends(owner, spec)],
    ['prismnamespaces', childNamespaces(owner, spec)],
    ['prismpatterns', childPatterns(owner, spec)],
    ['serviceaccounts', admin ? [adminServiceAccountFor(owner)] : []],
    ['roles', election ? [leaderElectionRoleFor(owner)] : []],
    ['rolebindings', election ? [leaderElectionRoleBindingFor(owner)] : []],
    ['configmaps', [config]],
    [
      'deployments',
      [proxyDeploymentFor(owner, spec, config), ...(admin ? [adminDeploymentFor(owner, spec)] : [])],
    ],
    ['services', [proxyServiceFor(owner, spec), ...(admin ? [adminServiceFor(owner, spec)] : [])]],
  ];
}
