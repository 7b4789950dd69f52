// The kinds of prism.io/v1alpha1 and how each appears to kubectl.
import type { KindDefinition } from './crd.js';
import { PrismBackendSpec, PrismBackendStatus } from './prismbackend.js';
import { PrismNamespaceSpec, PrismNamespaceStatus } from './prismnamespace.js';
import { PrismPatternSpec, PrismPatternStatus } from './prismpattern.js';
import { PrismStackSpec, PrismStackStatus, STACK_ROOT_RULES } from './prismstack.js';

export const PrismPatternKind: KindDefinition = {
  kind: 'PrismPattern',
  plural: 'prismpatterns',
  singular: 'prismpattern',
  shortNames: ['ppat'],
  description:
    'PrismPattern runs one Prism pattern runner, with optional Service, config and autoscaling (HPA or KEDA).',
  spec: PrismPatternSpec,
  status: PrismPatternStatus,
  printerColumns: [
    { name: 'Pattern', type: 'string', jsonPath: '.spec.pattern' },
    { name: 'Backend', type: 'string', jsonPath: '.spec.backend' },
    { name: 'Scaler', type: 'string', jsonPath: '.status.scaler.engine' },
    { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  // Children are named after the pattern; KEDA's HPA adds "keda-hpa-" (9 characters) to a 63-character limit.
  rootRules: [
    { rule: 'size(self.metadata.name) <= 54', message: 'PrismPattern names are limited to 54 characters' },
  ],
};

export const PrismBackendKind: KindDefinition = {
  kind: 'PrismBackend',
  plural: 'prismbackends',
  singular: 'prismbackend',
  shortNames: ['pbe'],
  description:
    'PrismBackend describes a data backend (Kafka, NATS, Redis, Postgres, RabbitMQ, SQS or TCP): where it is, its credentials and TLS. The operator checks it is reachable and publishes its connection settings for patterns.',
  spec: PrismBackendSpec,
  status: PrismBackendStatus,
  printerColumns: [
    { name: 'Provider', type: 'string', jsonPath: '.spec.provider' },
    { name: 'Healthy', type: 'boolean', jsonPath: '.status.healthy' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  // The name is a label value on its children and a backendRef.name (a DNS label).
  rootRules: [
    {
      rule: "size(self.metadata.name) <= 63 && !self.metadata.name.contains('.')",
      message:
        'PrismBackend names are DNS labels: at most 63 characters and no dots (patterns refer to them)',
    },
  ],
};

export const PrismNamespaceKind: KindDefinition = {
  kind: 'PrismNamespace',
  plural: 'prismnamespaces',
  singular: 'prismnamespace',
  shortNames: ['pns'],
  description:
    'PrismNamespace provisions a tenant Namespace with its ResourceQuota, LimitRange, NetworkPolicy isolation, RoleBindings and an optional time to live.',
  spec: PrismNamespaceSpec,
  status: PrismNamespaceStatus,
  printerColumns: [
    { name: 'Namespace', type: 'string', jsonPath: '.status.namespace' },
    { name: 'Isolation', type: 'string', jsonPath: '.spec.isolation' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Expires', type: 'date', jsonPath: '.status.expiresAt' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  // The name is a label value on the Namespace and, without spec.namespace, the Namespace's own name.
  // (`namespace` is a CEL keyword: CEL sees the field as __namespace__.)
  rootRules: [
    { rule: 'size(self.metadata.name) <= 63', message: 'PrismNamespace names are limited to 63 characters' },
    {
      rule: "has(self.spec.__namespace__) || !self.metadata.name.contains('.')",
      message: 'without spec.namespace the name becomes the Namespace name, which cannot contain dots',
    },
    {
      rule: "has(self.spec.__namespace__) || (self.metadata.name != 'default' && !self.metadata.name.startsWith('kube-'))",
      message: 'without spec.namespace the name becomes the Namespace name: default and kube-* are reserved',
    },
  ],
};

export const PrismStackKind: KindDefinition = {
  kind: 'PrismStack',
  plural: 'prismstacks',
  singular: 'prismstack',
  shortNames: ['pstack'],
  description:
    'PrismStack runs a whole Prism deployment: the proxy, the admin, and the PrismPatterns, PrismBackends and PrismNamespaces it lists (named <stack>-<name>).',
  spec: PrismStackSpec,
  status: PrismStackStatus,
  printerColumns: [
    {
      name: 'Proxy',
      type: 'string',
      jsonPath: '.status.summary.proxy',
      description: 'Ready/desired proxy replicas',
    },
    {
      name: 'Patterns',
      type: 'string',
      jsonPath: '.status.summary.patterns',
      description: 'Ready/total patterns',
    },
    {
      name: 'Backends',
      type: 'string',
      jsonPath: '.status.summary.backends',
      description: 'Ready/total backends',
      priority: 1,
    },
    {
      name: 'Namespaces',
      type: 'string',
      jsonPath: '.status.summary.namespaces',
      description: 'Ready/total namespaces',
      priority: 1,
    },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  // See prismstack.ts for why these limits.
  rootRules: STACK_ROOT_RULES,
};

export const KINDS: readonly KindDefinition[] = [
  PrismPatternKind,
  PrismBackendKind,
  PrismNamespaceKind,
  PrismStackKind,
];
