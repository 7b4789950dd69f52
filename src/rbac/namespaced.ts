// The namespace-scoped RBAC variant of the operator's ClusterRole, for
// WATCH_NAMESPACES: each namespaced rule becomes a Role (and RoleBinding) in
// every watched namespace. Of the cluster-scoped rules only those the operator
// still needs in namespace scope stay, in a small ClusterRole; the rest (e.g.
// Namespaces, which only PrismNamespace creates and which it refuses to do in
// namespace scope) are dropped and reported. Pure: rules in, objects out.

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
  verbs: string[];
}

export interface Subject {
  kind: 'ServiceAccount';
  name: string;
  namespace: string;
}

export interface RbacObject {
  apiVersion: 'rbac.authorization.k8s.io/v1';
  kind: 'Role' | 'RoleBinding' | 'ClusterRole' | 'ClusterRoleBinding';
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  rules?: PolicyRule[];
  roleRef?: { apiGroup: 'rbac.authorization.k8s.io'; kind: 'Role' | 'ClusterRole'; name: string };
  subjects?: Subject[];
}

export interface NamespacedRbac {
  objects: RbacObject[];
  /** Cluster-scoped rules left out: the operator cannot use them in namespace scope. */
  dropped: PolicyRule[];
}

export interface NamespacedRbacOptions {
  name?: string;
  serviceAccount?: Subject;
}

/** Cluster-scoped resources of the built-in API groups, as `group/resource` ('' is the core group). */
const CLUSTER_SCOPED = new Set([
  '/namespaces',
  '/nodes',
  '/persistentvolumes',
  'apiextensions.k8s.io/customresourcedefinitions',
  'apiregistration.k8s.io/apiservices',
  'admissionregistration.k8s.io/mutatingwebhookconfigurations',
  'admissionregistration.k8s.io/validatingwebhookconfigurations',
  'authentication.k8s.io/tokenreviews',
  'authorization.k8s.io/subjectaccessreviews',
  'authorization.k8s.io/selfsubjectaccessreviews',
  'certificates.k8s.io/certificatesigningrequests',
  'rbac.authorization.k8s.io/clusterroles',
  'rbac.authorization.k8s.io/clusterrolebindings',
  'scheduling.k8s.io/priorityclasses',
  'storage.k8s.io/storageclasses',
]);

/**
 * Cluster-scoped permissions still needed in namespace scope: reading CRDs
 * ("is KEDA installed?") and reviewing tokens and access for the status API.
 */
const KEPT_IN_NAMESPACE_SCOPE = new Set([
  'apiextensions.k8s.io/customresourcedefinitions',
  'authentication.k8s.io/tokenreviews',
  'authorization.k8s.io/subjectaccessreviews',
]);

const LABELS = { 'app.kubernetes.io/name': 'prism-operator' };
const DEFAULT_SA: Subject = { kind: 'ServiceAccount', name: 'prism-operator', namespace: 'prism-system' };

const baseOf = (resource: string) => resource.split('/')[0]!;
const isClusterScoped = (group: string, resource: string) =>
  CLUSTER_SCOPED.has(`${group}/${baseOf(resource)}`);

/** Splits one rule, group by group, into its namespaced and cluster-scoped parts. */
function split(rule: PolicyRule): { namespaced: PolicyRule[]; cluster: PolicyRule[] } {
  if (rule.nonResourceURLs?.length) return { namespaced: [], cluster: [rule] };
  const namespaced: PolicyRule[] = [];
  const cluster: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? ['']) {
    const resources = rule.resources ?? [];
    // A wildcard covers both kinds of resource.
    const ns = resources.filter((r) => r === '*' || !isClusterScoped(group, r));
    const cl = resources.filter((r) => r === '*' || isClusterScoped(group, r));
    if (ns.length) namespaced.push({ ...rule, apiGroups: [group], resources: ns });
    if (cl.length) cluster.push({ ...rule, apiGroups: [group], resources: cl });
  }
  return { namespaced, cluster };
}

const kept = (rule: PolicyRule) =>
  !rule.nonResourceURLs?.length &&
  (rule.resources ?? []).every((r) =>
    KEPT_IN_NAMESPACE_SCOPE.has(`${rule.apiGroups?.[0] ?? ''}/${baseOf(r)}`),
  );

export function namespacedRbacFor(
  clusterRoleRules: readonly PolicyRule[],
  namespaces: readonly string[],
  { name = 'prism-operator', serviceAccount = DEFAULT_SA }: NamespacedRbacOptions = {},
): NamespacedRbac {
  if (!namespaces.length) throw new Error('namespace-scoped RBAC needs at least one namespace');
  const parts = clusterRoleRules.map(split);
  const namespacedRules = parts.flatMap((p) => p.namespaced);
  const clusterRules = parts.flatMap((p) => p.cluster);
  const objects: RbacObject[] = [];
  const binding = (kind: 'Role' | 'ClusterRole', roleName: string, namespace?: string): RbacObject => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: kind === 'Role' ? 'RoleBinding' : 'ClusterRoleBinding',
    metadata: { name: roleName, ...(namespace ? { namespace } : {}), labels: LABELS },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind, name: roleName },
    subjects: [serviceAccount],
  });
  for (const namespace of [...new Set(namespaces)]) {
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace, labels: LABELS },
      rules: namespacedRules,
    });
    objects.push(binding('Role', name, namespace));
  }
  const clusterKept = clusterRules.filter(kept);
  if (clusterKept.length) {
    const clusterName = `${name}-cluster-reader`;
    objects.push({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: clusterName, labels: LABELS },
      rules: clusterKept,
    });
    objects.push(binding('ClusterRole', clusterName));
  }
  return { objects, dropped: clusterRules.filter((r) => !kept(r)) };
}
