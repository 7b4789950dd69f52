// Every Kubernetes API permission the operator needs, declared once. `make
// manifests` turns this list into config/rbac/role.yaml (the ClusterRole) and
// config/rbac/leader_election_role.yaml, and an integration test checks every
// API call the controllers make against the generated roles. A reconciler that
// touches a new resource adds one line here.

export type RbacVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'bind';

export interface Permission {
  group: string;
  resources: readonly string[];
  verbs: readonly RbacVerb[];
  /** Only these objects (e.g. the built-in ClusterRoles a tenant binds to). */
  resourceNames?: readonly string[];
  /** Why the operator needs it (a comment in the generated YAML). */
  why: string;
}

/** Informer list + watch; reconcilers read only from these caches. */
const WATCH: readonly RbacVerb[] = ['list', 'watch'];
/** Children written by server-side apply (which creates when missing) and deleted when no longer wanted. */
const OWN: readonly RbacVerb[] = ['list', 'watch', 'create', 'patch', 'delete'];

const p = (
  group: string,
  resources: string[],
  verbs: readonly RbacVerb[],
  why: string,
  resourceNames?: string[],
): Permission => ({ group, resources, verbs, why, ...(resourceNames ? { resourceNames } : {}) });

const PRISM_KINDS = ['prismpatterns', 'prismbackends', 'prismnamespaces', 'prismstacks'];
const sub = (name: string) => PRISM_KINDS.map((k) => `${k}/${name}`);

/** Cluster-wide permissions of the operator (the ClusterRole), one line per resource group. */
// prettier-ignore
export const CLUSTER_PERMISSIONS: readonly Permission[] = [
  p('prism.io', PRISM_KINDS, OWN, 'the custom resources (finalizers by patch); a PrismStack owns child Prism objects; an expired PrismNamespace deletes itself'),
  p('prism.io', sub('status'), ['patch'], 'status is merge-patched through the status subresource'),
  p('prism.io', sub('finalizers'), ['update'], 'children have blockOwnerDeletion owner references (OwnerReferencesPermissionEnforcement)'),
  p('apps', ['deployments'], OWN, 'pattern workloads'),
  p('apps', ['deployments/scale'], ['patch'], 'lifts a workload KEDA left at zero replicas when leaving KEDA'),
  p('', ['services', 'configmaps'], OWN, 'pattern Services and config files; backend connection ConfigMaps'),
  p('', ['serviceaccounts'], OWN, 'the PrismStack admin ServiceAccount'),
  p('', ['namespaces', 'resourcequotas', 'limitranges'], OWN, 'PrismNamespace tenants: the Namespace, its quota and default limits'),
  p('networking.k8s.io', ['networkpolicies'], OWN, 'PrismNamespace isolation'),
  p('rbac.authorization.k8s.io', ['roles', 'rolebindings'], OWN, 'PrismStack admin leader-election Role; PrismNamespace access RoleBindings'),
  p('rbac.authorization.k8s.io', ['clusterroles'], ['bind'], 'PrismNamespace access binds users to the built-in admin/edit/view roles', ['admin', 'edit', 'view']),
  p('coordination.k8s.io', ['leases'], ['get', 'create', 'update'], 'the PrismStack admin Role grants these; RBAC lets only a holder grant them'),
  p('monitoring.coreos.com', ['servicemonitors'], OWN, 'PrismStack ServiceMonitor, when its CRD is installed'),
  p('', ['secrets'], ['get', ...WATCH], 'PrismBackend credentials: key checks, and TLS material read for a probe only'),
  p('policy', ['poddisruptionbudgets'], OWN, 'pattern PodDisruptionBudgets'),
  p('autoscaling', ['horizontalpodautoscalers'], OWN, "HPA autoscaling; KEDA's own HPAs are watched while switching engines"),
  p('keda.sh', ['scaledobjects', 'triggerauthentications'], OWN, 'KEDA autoscaling'),
  p('apiextensions.k8s.io', ['customresourcedefinitions'], WATCH, "notices KEDA's CRDs being installed or removed"),
  p('events.k8s.io', ['events'], ['create', 'patch'], 'events about custom resources (patch updates a repeating series)'),
  p('admissionregistration.k8s.io', ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'], ['get', 'patch'], 'fills caBundle with the operator-issued webhook CA', ['prism-operator']),
  p('authentication.k8s.io', ['tokenreviews'], ['create'], 'status API and /metrics bearer tokens'),
  p('authorization.k8s.io', ['subjectaccessreviews'], ['create'], 'status API and /metrics access checks'),
];

/** Permissions in the operator's own namespace only (the leader-election Role). */
export const LEADER_ELECTION_PERMISSIONS: readonly Permission[] = [
  p('coordination.k8s.io', ['leases'], ['get', 'create', 'update'], 'the leader-election Lease'),
  p('', ['secrets'], ['get', 'create', 'update'], 'the webhook serving certificate Secret'),
];
