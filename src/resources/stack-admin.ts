// Pure builders for a PrismStack's admin: Deployment, Service, and the
// ServiceAccount, Role and RoleBinding its replicas need to elect a leader
// through a Lease in their own namespace.
import type { PrismStackSpec } from '../api/v1alpha1/prismstack.js';
import type { Obj } from '../runtime/object.js';
import { childMeta, type Owner } from './meta.js';
import { ADMIN_COMPONENT, adminName, adminPort, leaderElectionRoleName, stackLabels } from './stack-meta.js';
import { workloadDeployment, workloadService } from './stack-workload.js';

export const ADMIN_CONTAINER = 'admin';
const DEFAULT_ADMIN_REPLICAS = 3;

/** What the admin's Role grants: exactly what Lease-based leader election does. */
export const LEADER_ELECTION_RULES = [
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

const meta = (owner: Owner, name: string) =>
  childMeta(owner, name, ADMIN_COMPONENT, { labels: stackLabels(owner.name) });

export const leaderElectionEnabled = (spec: PrismStackSpec) => spec.admin?.leaderElection?.enabled !== false;

function leaderElectionEnv(owner: Owner, spec: PrismStackSpec): Record<string, unknown>[] {
  const le = spec.admin?.leaderElection ?? {};
  if (!leaderElectionEnabled(spec)) return [{ name: 'PRISM_LEADER_ELECT', value: 'false' }];
  return [
    { name: 'PRISM_LEADER_ELECT', value: 'true' },
    { name: 'PRISM_LEASE_NAME', value: adminName(owner.name) },
    { name: 'PRISM_LEASE_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
    { name: 'PRISM_LEASE_DURATION', value: le.leaseDuration ?? '15s' },
    { name: 'PRISM_RENEW_DEADLINE', value: le.renewDeadline ?? '10s' },
    { name: 'PRISM_RETRY_PERIOD', value: le.retryPeriod ?? '2s' },
  ];
}

export function adminDeploymentFor(owner: Owner, spec: PrismStackSpec): Obj {
  const a = spec.admin ?? {};
  return workloadDeployment(owner, {
    name: adminName(owner.name),
    component: ADMIN_COMPONENT,
    container: {
      name: ADMIN_CONTAINER,
      // The schema requires an image when the admin is enabled; this builder is only called then.
      image: a.image ?? '',
      port: adminPort(spec),
      env: [
        // The lease holder's identity.
        { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ...leaderElectionEnv(owner, spec),
      ],
      resources: a.resources,
    },
    replicas: a.replicas ?? DEFAULT_ADMIN_REPLICAS,
    placement: a.placement,
    observability: spec.observability,
    serviceAccountName: adminName(owner.name),
  });
}

export function adminServiceFor(owner: Owner, spec: PrismStackSpec): Obj {
  const s = spec.admin?.service ?? {};
  return workloadService(owner, {
    name: adminName(owner.name),
    component: ADMIN_COMPONENT,
    port: s.port ?? adminPort(spec),
    targetPort: adminPort(spec),
    type: s.type,
    annotations: s.annotations,
    observability: spec.observability,
  });
}

export function adminServiceAccountFor(owner: Owner): Obj {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(owner, adminName(owner.name)) };
}

export function leaderElectionRoleFor(owner: Owner): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: meta(owner, leaderElectionRoleName(owner.name)),
    rules: LEADER_ELECTION_RULES,
  };
}

export function leaderElectionRoleBindingFor(owner: Owner): Obj {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(owner, leaderElectionRoleName(owner.name)),
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'Role',
      name: leaderElectionRoleName(owner.name),
    },
    subjects: [{ kind: 'ServiceAccount', name: adminName(owner.name), namespace: owner.namespace }],
  };
}
