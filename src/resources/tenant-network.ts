// Pure builders for a tenant's network isolation (networking.k8s.io/v1
// NetworkPolicy). `namespace`: ingress only from pods of the tenant Namespace
// and from the Prism namespaces (operator, proxy). `strict`: egress too is
// limited, to DNS in kube-system, the tenant's own pods, the Prism namespaces
// (where the proxy runs) and the tenant's backends (see tenant-backends.ts).
import type { PrismNamespaceSpec } from '../api/v1alpha1/prismnamespace.js';
import type { Obj } from '../runtime/object.js';
import { labelledChildMeta, type Owner } from './meta.js';
import { TENANT_COMPONENT, targetNamespace } from './tenant.js';

export const INGRESS_POLICY_NAME = 'prism-isolation-ingress';
export const EGRESS_POLICY_NAME = 'prism-isolation-egress';
/** Set on every Namespace by the API server (since 1.22): selects a namespace by name. */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

export type Isolation = NonNullable<PrismNamespaceSpec['isolation']>;

export function isolationOf(spec: PrismNamespaceSpec): Isolation {
  return spec.isolation ?? 'namespace';
}

const namespaceNamed = (name: string) => ({
  namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: name } },
});

/** The tenant's own pods plus every trusted namespace (sorted, so the object is stable). */
function peers(tenant: string, trusted: readonly string[]): Record<string, unknown>[] {
  const others = [...new Set(trusted)].filter((n) => n !== tenant).sort();
  return [{ podSelector: {} }, ...others.map(namespaceNamed)];
}

function policy(owner: Owner, spec: PrismNamespaceSpec, name: string, body: Record<string, unknown>): Obj {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: labelledChildMeta(owner, name, targetNamespace(owner.name, spec), TENANT_COMPONENT),
    spec: { podSelector: {}, ...body },
  };
}

/**
 * The NetworkPolicies `spec.isolation` asks for, by name; a name mapped to
 * undefined is a policy that must not exist (so switching level removes it).
 * `trusted` are the namespaces of the operator and the Prism proxy; `backends`
 * the egress rules that reach the tenant's backends (strict only).
 */
export function networkPoliciesFor(
  owner: Owner,
  spec: PrismNamespaceSpec,
  trusted: readonly string[],
  backends: readonly Record<string, unknown>[] = [],
): Record<string, Obj | undefined> {
  const isolation = isolationOf(spec);
  const tenant = targetNamespace(owner.name, spec);
  const allowed = peers(tenant, trusted);
  const ingress =
    isolation === 'none'
      ? undefined
      : policy(owner, spec, INGRESS_POLICY_NAME, {
          policyTypes: ['Ingress'],
          ingress: [{ from: allowed }],
        });
  const egress =
    isolation !== 'strict'
      ? undefined
      : policy(owner, spec, EGRESS_POLICY_NAME, {
          policyTypes: ['Egress'],
          egress: [
            {
              to: [namespaceNamed('kube-system')],
              ports: [
                { protocol: 'UDP', port: 53 },
                { protocol: 'TCP', port: 53 },
              ],
            },
            { to: allowed },
            ...backends,
          ],
        });
  return { [INGRESS_POLICY_NAME]: ingress, [EGRESS_POLICY_NAME]: egress };
}
