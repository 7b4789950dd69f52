// PrismStack: a whole Prism deployment in one object: the proxy, the admin,
// and PrismPattern, PrismBackend and PrismNamespace children named
// <stack>-<name>. The child entries reuse those kinds' spec schemas and rules.
import { CloneType, Type, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import {
  AutoscalingSpec,
  Conditions,
  DisruptionSpec,
  PlacementSpec,
  ResourceRequirements,
  ServiceSpec,
} from './common.js';
import { PrismBackendSpec, duration, durationBelow } from './prismbackend.js';
import { PrismNamespaceSpec, namespaceLimits, namespaceQuota } from './prismnamespace.js';
import { PrismPatternSpec } from './prismpattern.js';
import { cel, dnsLabel, enumOf, int32, type CelRule } from './schema-helpers.js';

/** The CEL rules a schema node carries, as options for a node composed from it. */
function rulesOf(schema: TSchema): { 'x-kubernetes-validations'?: CelRule[] } {
  const rules = (schema['x-kubernetes-validations'] ?? []) as CelRule[];
  return rules.length ? cel(...rules) : {};
}

/**
 * The shared int-or-percent fields check "a number or 25%" with CEL. CEL sizes an
 * int-or-string value at the request limit, so that rule in each of MAX_PATTERNS entries
 * exceeds the API server's CEL cost budget; here the same check is a schema pattern
 * (which applies to the string form only). Fails loudly if the shared rule changes.
 */
function percentByPattern<T extends TObject>(schema: T): T {
  const copy = CloneType(schema);
  for (const prop of Object.values<TSchema>(copy.properties)) {
    if (prop['x-kubernetes-int-or-string'] !== true) continue;
    const rules = (prop['x-kubernetes-validations'] ?? []) as CelRule[];
    if (rules.length !== 1 || !rules[0]?.rule.includes("matches('^[0-9]+%$')")) {
      throw new Error('the shared int-or-percent rule changed: revisit percentByPattern');
    }
    delete prop['x-kubernetes-validations'];
    prop.pattern = '^[0-9]+%$';
  }
  return copy;
}

const port = (description: string, dflt: number) =>
  int32({ minimum: 1, maximum: 65535, default: dflt, description });

/** The shared ServiceSpec, except that the Service port defaults to the container port. */
const StackServiceSpec = Type.Object({
  ...ServiceSpec.properties,
  port: Type.Optional(
    int32({ minimum: 1, maximum: 65535, description: 'Service port (default: the container port).' }),
  ),
});

export const ProxySpec = Type.Object(
  {
    image: Type.String({ minLength: 1, description: 'Container image of the Prism proxy.' }),
    replicas: Type.Optional(
      int32({ minimum: 0, default: 2, description: 'Replicas when autoscaling is off.' }),
    ),
    port: Type.Optional(port('gRPC port the proxy serves clients on.', 8980)),
    resources: Type.Optional(ResourceRequirements),
    autoscaling: Type.Optional(AutoscalingSpec),
    placement: Type.Optional(PlacementSpec),
    service: Type.Optional(
      CloneType(StackServiceSpec, { description: 'The Service in front of the proxy.', default: {} }),
    ),
  },
  { description: 'The Prism proxy (data plane): Deployment <stack>-proxy and its Service.' },
);
export type ProxySpec = Static<typeof ProxySpec>;

export const LeaderElectionSpec = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: true, description: 'Elect one active admin replica.' })),
    leaseDuration: Type.Optional(
      duration('How long a lease is valid without renewal.', { default: '15s', min: '1s' }),
    ),
    renewDeadline: Type.Optional(
      duration('How long the leader retries renewing before giving up.', { default: '10s', min: '1s' }),
    ),
    retryPeriod: Type.Optional(
      duration('Time between acquire and renew attempts.', { default: '2s', min: '100ms' }),
    ),
  },
  {
    description: 'Leader election among admin replicas (a Lease).',
    ...cel(
      durationBelow('renewDeadline', 'leaseDuration', 'renewDeadline must be shorter than leaseDuration'),
      durationBelow('retryPeriod', 'renewDeadline', 'retryPeriod must be shorter than renewDeadline'),
    ),
  },
);
export type LeaderElectionSpec = Static<typeof LeaderElectionSpec>;

export const AdminSpec = Type.Object(
  {
    enabled: Type.Optional(Type.Boolean({ default: true, description: 'Run the admin.' })),
    image: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Container image of the Prism admin (required when enabled).',
      }),
    ),
    replicas: Type.Optional(int32({ minimum: 1, default: 3, description: 'Admin replicas.' })),
    port: Type.Optional(port('gRPC port of the admin API (proxies register here).', 8981)),
    leaderElection: Type.Optional(CloneType(LeaderElectionSpec, { default: {} })),
    placement: Type.Optional(PlacementSpec),
    service: Type.Optional(
      CloneType(StackServiceSpec, { description: 'The Service in front of the admin.', default: {} }),
    ),
    resources: Type.Optional(ResourceRequirements),
  },
  {
    description: 'The Prism admin (control plane): Deployment <stack>-admin and its Service. Omit for none.',
    ...cel(
      {
        rule: '(has(self.enabled) && !self.enabled) || has(self.image)',
        message: 'image is required when the admin is enabled',
        fieldPath: '.image',
        reason: 'FieldValueRequired',
      },
      {
        rule: '!has(self.replicas) || self.replicas <= 1 || !has(self.leaderElection) || !has(self.leaderElection.enabled) || self.leaderElection.enabled',
        message: 'more than one admin replica needs leaderElection.enabled',
        fieldPath: '.leaderElection.enabled',
      },
    ),
  },
);
export type AdminSpec = Static<typeof AdminSpec>;

export const ObservabilitySpec = Type.Object(
  {
    metricsPort: Type.Optional(
      port('Port of the Prometheus /metrics endpoint of the proxy and admin.', 9090),
    ),
    tracingEndpoint: Type.Optional(
      Type.String({
        description:
          'OpenTelemetry collector (OTLP) endpoint, e.g. otel-collector.observability:4317. Unset: no tracing.',
        minLength: 1,
        maxLength: 512,
      }),
    ),
    serviceMonitor: Type.Optional(
      Type.Boolean({
        default: false,
        description: 'Create a Prometheus Operator ServiceMonitor for the metrics endpoints.',
      }),
    ),
  },
  { description: 'Metrics and tracing of the proxy and admin.' },
);
export type ObservabilitySpec = Static<typeof ObservabilitySpec>;

/** Child list limits: they bound CEL costs and the size of one object. */
export const MAX_PATTERNS = 32;
export const MAX_BACKENDS = 32;
export const MAX_NAMESPACES = 32;

const mapList = (maxItems: number, description: string) => ({
  maxItems,
  description,
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
});

export const StackPattern = Type.Object(
  {
    name: dnsLabel('Entry name; the PrismPattern is <stack>-<name>. Not proxy or admin.', {
      ...cel({
        rule: "!(self in ['proxy', 'admin'])",
        message: 'proxy and admin are reserved: their Deployments would clash',
      }),
    }),
    ...PrismPatternSpec.properties,
    disruption: Type.Optional(percentByPattern(DisruptionSpec)),
    backendRef: Type.Optional(
      Type.Object(
        {
          name: dnsLabel('An entry of spec.backends; the pattern uses the PrismBackend <stack>-<name>.'),
        },
        { description: 'Connection settings and credentials come from this stack backend.' },
      ),
    ),
  },
  { description: 'A PrismPattern of the stack.', ...rulesOf(PrismPatternSpec) },
);
export type StackPattern = Static<typeof StackPattern>;

export const StackBackend = Type.Object(
  {
    name: dnsLabel('Entry name; the PrismBackend is <stack>-<name>.'),
    ...PrismBackendSpec.properties,
  },
  { description: 'A PrismBackend of the stack.', ...rulesOf(PrismBackendSpec) },
);
export type StackBackend = Static<typeof StackBackend>;

export const StackNamespace = Type.Object(
  {
    name: dnsLabel(
      'Entry name; the PrismNamespace is <stack>-<name>, the Namespace too unless namespace is set.',
    ),
    ...PrismNamespaceSpec.properties,
    // Without the quantity comparisons (too costly 32 times over); the child PrismNamespace checks them.
    quota: Type.Optional(namespaceQuota({ compareQuantities: false })),
    limits: Type.Optional(namespaceLimits({ compareQuantities: false })),
  },
  { description: 'A PrismNamespace of the stack.', ...rulesOf(PrismNamespaceSpec) },
);
export type StackNamespace = Static<typeof StackNamespace>;

export const PrismStackSpec = Type.Object(
  {
    proxy: ProxySpec,
    admin: Type.Optional(AdminSpec),
    patterns: Type.Optional(Type.Array(StackPattern, mapList(MAX_PATTERNS, 'Pattern runners, by name.'))),
    backends: Type.Optional(Type.Array(StackBackend, mapList(MAX_BACKENDS, 'Backends, by name.'))),
    namespaces: Type.Optional(
      Type.Array(StackNamespace, mapList(MAX_NAMESPACES, 'Tenant Namespaces, by name.')),
    ),
    observability: Type.Optional(CloneType(ObservabilitySpec, { default: {} })),
  },
  {
    description: 'Desired state of the PrismStack.',
    ...cel(
      {
        rule: '!has(self.patterns) || self.patterns.all(p, !has(p.backendRef) || (has(self.backends) && self.backends.exists(b, b.name == p.backendRef.name)))',
        message: 'patterns[].backendRef.name must name an entry of spec.backends',
        fieldPath: '.patterns',
      },
      {
        rule: '!has(self.patterns) || !has(self.backends) || self.patterns.all(p, !has(p.backendRef) || self.backends.all(b, b.name != p.backendRef.name || b.provider == p.backend))',
        message: 'patterns[].backend must equal the provider of the backend its backendRef names',
        fieldPath: '.patterns',
      },
      {
        rule: '!has(self.observability) || !has(self.observability.metricsPort) || ((!has(self.proxy.port) || self.observability.metricsPort != self.proxy.port) && (!has(self.admin) || !has(self.admin.port) || self.observability.metricsPort != self.admin.port))',
        message: 'observability.metricsPort must differ from proxy.port and admin.port',
        fieldPath: '.observability.metricsPort',
      },
    ),
  },
);
export type PrismStackSpec = Static<typeof PrismStackSpec>;

/*
 * Name limits. Children are named <stack>-<entry>, and the proxy's objects
 * <stack>-proxy; names end up in label values and Service names (63 characters,
 * DNS-1035: starting with a letter, no dots).
 * - The stack name: at most 48, since KEDA names the proxy's HPA
 *   keda-hpa-<stack>-proxy (9 + 48 + 6 = 63).
 * - <stack>-<pattern>: at most 54, the PrismPattern limit (its KEDA HPA adds 9).
 * - <stack>-<backend> and <stack>-<namespace>: at most 63 (label values,
 *   backendRef names, and the Namespace name when namespace is unset).
 * Checked per entry rather than by fixed halves, so a short stack name leaves
 * room for long entry names.
 */
export const STACK_NAME_MAX = 48;
const fits = (list: string, max: number, what: string): CelRule => ({
  rule: `!has(self.spec.${list}) || self.spec.${list}.all(x, size(self.metadata.name) + 1 + size(x.name) <= ${max})`,
  message: `${what} names (<stack>-<name>) are limited to ${max} characters: shorten the stack or the entry name`,
});

export const STACK_ROOT_RULES: CelRule[] = [
  {
    rule: "self.metadata.name.matches('^[a-z][-a-z0-9]*$')",
    message: 'PrismStack names must start with a letter and contain no dots (they prefix Service names)',
  },
  {
    rule: `size(self.metadata.name) <= ${STACK_NAME_MAX}`,
    message: `PrismStack names are limited to ${STACK_NAME_MAX} characters (the proxy's KEDA HPA is keda-hpa-<stack>-proxy)`,
  },
  fits('patterns', 54, 'PrismPattern'),
  fits('backends', 63, 'PrismBackend'),
  fits('namespaces', 63, 'PrismNamespace'),
  {
    // <stack>-<name> starts with kube- exactly when the stack is kube or kube-*. (CEL sees namespace as __namespace__.)
    rule: "!(self.metadata.name == 'kube' || self.metadata.name.startsWith('kube-')) || !has(self.spec.namespaces) || self.spec.namespaces.all(x, has(x.__namespace__))",
    message:
      'namespaces[] entries without namespace would create <stack>-<name>, under the reserved kube- prefix',
  },
];

export const STACK_PHASES = ['Pending', 'Progressing', 'Ready', 'Degraded', 'Invalid'] as const;
export type StackPhase = (typeof STACK_PHASES)[number];

export const ChildSummary = Type.Object({
  name: Type.String({ description: 'Entry name (the child is <stack>-<name>).' }),
  phase: Type.Optional(Type.String({ description: 'The child’s status.phase.' })),
  ready: Type.Boolean({ description: 'Whether the child is Ready.' }),
});
export type ChildSummary = Static<typeof ChildSummary>;

const childSummaries = (max: number, description: string) =>
  Type.Optional(Type.Array(ChildSummary, mapList(max, description)));

const DeploymentSummary = (description: string) =>
  Type.Object(
    {
      replicas: Type.Optional(int32({ description: 'Desired replicas.' })),
      readyReplicas: Type.Optional(int32({ description: 'Ready replicas.' })),
    },
    { description },
  );

export const PrismStackStatus = Type.Object(
  {
    phase: Type.Optional(
      enumOf(STACK_PHASES, {
        description: 'Pending, Progressing, Ready, Degraded (some part not ready) or Invalid.',
      }),
    ),
    observedGeneration: Type.Optional(
      Type.Integer({ format: 'int64', description: 'The spec generation this status describes.' }),
    ),
    conditions: Type.Optional(
      CloneType(Conditions, {
        description: 'Ready, ProxyReady, AdminReady, PatternsReady, BackendsReady and NamespacesReady.',
      }),
    ),
    proxy: Type.Optional(DeploymentSummary('The proxy Deployment.')),
    admin: Type.Optional(DeploymentSummary('The admin Deployment.')),
    patterns: childSummaries(MAX_PATTERNS, 'The PrismPatterns of the stack.'),
    backends: childSummaries(MAX_BACKENDS, 'The PrismBackends of the stack.'),
    namespaces: childSummaries(MAX_NAMESPACES, 'The PrismNamespaces of the stack.'),
    summary: Type.Optional(
      Type.Object(
        {
          proxy: Type.Optional(Type.String({ description: 'Ready/desired proxy replicas, e.g. 2/2.' })),
          patterns: Type.Optional(Type.String({ description: 'Ready/total patterns, e.g. 3/4.' })),
          backends: Type.Optional(Type.String({ description: 'Ready/total backends.' })),
          namespaces: Type.Optional(Type.String({ description: 'Ready/total namespaces.' })),
        },
        { description: 'Counts as text, for kubectl get.' },
      ),
    ),
  },
  { description: 'Observed state of the PrismStack.' },
);
export type PrismStackStatus = Static<typeof PrismStackStatus>;
