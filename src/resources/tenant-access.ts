// Pure builder for a tenant's access: one RoleBinding per spec.access entry,
// binding the built-in ClusterRole admin, edit or view inside the tenant
// Namespace. The role is part of the name because a RoleBinding's roleRef is
// immutable: changing the role replaces the binding instead of failing.
import type { NamespaceAccess, PrismNamespaceSpec } from '../api/v1alpha1/prismnamespace.js';
import { contentHash } from '../runtime/object-diff.js';
import type { Obj } from '../runtime/object.js';
import { labelledChildMeta, type Owner } from './meta.js';
import { TENANT_COMPONENT, targetNamespace } from './tenant.js';

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function subjectOf(entry: NamespaceAccess, tenant: string): Record<string, string> {
  if (entry.kind === 'ServiceAccount') {
    return { kind: 'ServiceAccount', name: entry.name, namespace: entry.namespace ?? tenant };
  }
  return { kind: entry.kind, apiGroup: RBAC_GROUP, name: entry.name };
}

/** Stable per subject and role, whatever the entry's position in the list. */
export function roleBindingName(entry: NamespaceAccess, tenant: string): string {
  const subject = subjectOf(entry, tenant);
  return `prism-${entry.role}-${contentHash(subject).slice(0, 10)}`;
}

export function roleBindingsFor(owner: Owner, spec: PrismNamespaceSpec): Obj[] {
  const tenant = targetNamespace(owner.name, spec);
  const byName = new Map<string, Obj>();
  for (const entry of spec.access ?? []) {
    const name = roleBindingName(entry, tenant);
    byName.set(name, {
      apiVersion: `${RBAC_GROUP}/v1`,
      kind: 'RoleBinding',
      metadata: labelledChildMeta(owner, name, tenant, TENANT_COMPONENT),
      roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: entry.role },
      subjects: [subjectOf(entry, tenant)],
    });
  }
  return [...byName.values()];
}
