// PrismNamespace: a tenant Kubernetes Namespace with its quota, default limits,
// network isolation, access (RoleBindings) and an optional time to live.
import { CloneType, Type, type Static } from '@sinclair/typebox';
import { Conditions } from './common.js';
import { duration } from './prismbackend.js';
import { BACKEND_TYPES } from './prismpattern.js';
import { cel, dnsLabel, enumOf, int32, quantity, type CelRule } from './schema-helpers.js';

/**
 * A quantity that may not be negative: the shared quantity pattern without the
 * minus sign. (A pattern, not CEL: CEL sizes an int-or-string value at the request
 * limit, so even a cheap rule on one is expensive once it sits in PrismStack's lists.)
 */
const amount = (description: string) => {
  const q = quantity(description);
  const pattern = String(q.pattern).replace('^(\\+|-)?', '^\\+?');
  if (pattern === q.pattern) throw new Error('the quantity pattern no longer starts with an optional sign');
  return Type.Unsafe<string | number>({ ...q, pattern, minimum: 0 });
};

const count = (description: string) => int32({ minimum: 0, description });

/** Paths (relative to self) as CEL: present and a valid quantity. */
function quantityAt(path: string): { present: string; value: string } {
  const parts = path.split('.');
  const present = parts.map((_, i) => `has(self.${parts.slice(0, i + 1).join('.')})`).join(' && ');
  return {
    present: `${present} && isQuantity(string(self.${path}))`,
    value: `quantity(string(self.${path}))`,
  };
}

/** A CEL rule: for each resource, the quantity at `<low>.<resource>` is at most the one at `<high>.<resource>`. */
function notAbove(pairs: [string, string][], message: string): CelRule {
  return {
    rule: pairs
      .map(([low, high]) => {
        const a = quantityAt(low);
        const b = quantityAt(high);
        return `(!(${a.present} && ${b.present}) || ${a.value}.compareTo(${b.value}) <= 0)`;
      })
      .join(' && '),
    message,
    fieldPath: `.${pairs[0]?.[0].split('.')[0] ?? ''}`,
  };
}

/**
 * The quota and limits schemas, with or without the rules comparing their quantities.
 * CEL parses an int-or-string quantity at a cost sized by the request limit, so these
 * rules fit a PrismNamespace but not PrismStack's list of 32 namespaces: there the
 * child PrismNamespace checks them when the operator applies it.
 */
export interface QuantityRules {
  compareQuantities: boolean;
}

export const namespaceQuota = ({ compareQuantities }: QuantityRules) =>
  Type.Object(
    {
      cpu: Type.Optional(amount('Total CPU requests (ResourceQuota requests.cpu).')),
      memory: Type.Optional(amount('Total memory requests (requests.memory).')),
      limitsCpu: Type.Optional(amount('Total CPU limits (limits.cpu).')),
      limitsMemory: Type.Optional(amount('Total memory limits (limits.memory).')),
      requestsStorage: Type.Optional(
        amount('Total storage requested by PersistentVolumeClaims (requests.storage).'),
      ),
      pods: Type.Optional(count('Pods (pods).')),
      services: Type.Optional(count('Services (services).')),
      persistentVolumeClaims: Type.Optional(count('PersistentVolumeClaims (persistentvolumeclaims).')),
      configMaps: Type.Optional(count('ConfigMaps (configmaps).')),
      secrets: Type.Optional(count('Secrets (secrets).')),
    },
    {
      description: 'A ResourceQuota for the Namespace; only the fields set are limited. Omit for no quota.',
      minProperties: 1,
      ...(compareQuantities
        ? cel(
            notAbove([['cpu', 'limitsCpu']], 'cpu (requests) must not exceed limitsCpu'),
            notAbove([['memory', 'limitsMemory']], 'memory (requests) must not exceed limitsMemory'),
          )
        : {}),
    },
  );
export const NamespaceQuota = namespaceQuota({ compareQuantities: true });
export type NamespaceQuota = Static<typeof NamespaceQuota>;

const CpuMemory = (description: string) =>
  Type.Object(
    {
      cpu: Type.Optional(amount('CPU, e.g. 500m.')),
      memory: Type.Optional(amount('Memory, e.g. 256Mi.')),
    },
    { description, minProperties: 1 },
  );

const bounds = (low: string, high: string): [string, string][] => [
  [`${low}.cpu`, `${high}.cpu`],
  [`${low}.memory`, `${high}.memory`],
];

export const namespaceLimits = ({ compareQuantities }: QuantityRules) =>
  Type.Object(
    {
      defaultRequest: CpuMemory('Requests given to containers that set none.'),
      default: CpuMemory('Limits given to containers that set none.'),
      max: Type.Optional(CpuMemory('Largest limits a container may set.')),
      min: Type.Optional(CpuMemory('Smallest requests a container may set.')),
    },
    {
      description: 'A LimitRange (type Container) for the Namespace. Omit for none.',
      ...(compareQuantities
        ? cel(
            notAbove(bounds('defaultRequest', 'default'), 'defaultRequest must not exceed default'),
            notAbove(bounds('min', 'defaultRequest'), 'min must not exceed defaultRequest'),
            notAbove(bounds('default', 'max'), 'default must not exceed max'),
            notAbove(bounds('min', 'max'), 'min must not exceed max'),
          )
        : {}),
    },
  );
export const NamespaceLimits = namespaceLimits({ compareQuantities: true });
export type NamespaceLimits = Static<typeof NamespaceLimits>;

export const ACCESS_ROLES = ['admin', 'edit', 'view'] as const;

export const NamespaceAccess = Type.Object(
  {
    kind: enumOf(['User', 'Group', 'ServiceAccount'] as const, { description: 'Kind of subject.' }),
    name: Type.String({
      description: 'Name of the user, group or ServiceAccount.',
      minLength: 1,
      maxLength: 253,
    }),
    namespace: Type.Optional(
      dnsLabel('Namespace of the ServiceAccount (ServiceAccount only; default: the tenant Namespace).'),
    ),
    role: enumOf(ACCESS_ROLES, { description: 'ClusterRole bound in the Namespace (a RoleBinding).' }),
  },
  {
    description: 'A subject and the role it gets in the Namespace.',
    ...cel(
      {
        rule: "self.kind == 'ServiceAccount' || !has(self.__namespace__)",
        message: 'namespace applies only to ServiceAccount subjects',
        fieldPath: '.namespace',
        reason: 'FieldValueForbidden',
      },
      {
        rule: "self.kind != 'ServiceAccount' || self.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*$')",
        message: 'a ServiceAccount name must be a DNS subdomain (lower case letters, digits, - and .)',
        fieldPath: '.name',
      },
    ),
  },
);
export type NamespaceAccess = Static<typeof NamespaceAccess>;

/** Namespaces no PrismNamespace may create, adopt or delete. */
export const RESERVED_NAMESPACES_RULE = "self != 'default' && !self.startsWith('kube-')";

/** Rules of a namespace spec; exported for PrismStack's spec.namespaces[] items. */
export const NAMESPACE_SPEC_RULES: CelRule[] = [
  {
    // `namespace` is a CEL keyword, so CEL sees the field as __namespace__.
    rule: 'has(self.__namespace__) == has(oldSelf.__namespace__) && (!has(self.__namespace__) || self.__namespace__ == oldSelf.__namespace__)',
    message: 'namespace is immutable: it cannot be set, changed or removed after creation',
    fieldPath: '.namespace',
  },
];

const LABEL_KEY =
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$';

export const PrismNamespaceSpec = Type.Object(
  {
    namespace: Type.Optional(
      dnsLabel(
        'Name of the Namespace to create or adopt (default: the name of this PrismNamespace). Immutable.',
        {
          ...cel({
            rule: RESERVED_NAMESPACES_RULE,
            message: 'the default and kube-* Namespaces are reserved',
          }),
        },
      ),
    ),
    displayName: Type.Optional(
      Type.String({
        description: 'Human-readable name, set as the prism.io/display-name annotation.',
        minLength: 1,
        maxLength: 256,
        // Shown by kubectl and UIs: no NUL, newlines or terminal escape sequences.
        pattern: '^[^\\x00-\\x1F\\x7F]+$',
      }),
    ),
    labels: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 63 }), {
        description: 'Labels of the Namespace (keys under prism.io/ are reserved for the operator).',
        maxProperties: 64,
        ...cel(
          {
            rule: `self.all(k, k.matches('${LABEL_KEY}'))`,
            message: 'label keys must be qualified names, e.g. team or example.com/team',
          },
          {
            rule: "self.all(k, self[k].matches('^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$'))",
            message: 'label values must be empty or alphanumerics with -, _ and . inside',
          },
          {
            rule: "self.all(k, !k.startsWith('prism.io/'))",
            message: 'labels under prism.io/ are reserved for the operator',
          },
        ),
      }),
    ),
    annotations: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Annotations of the Namespace.',
        maxProperties: 64,
      }),
    ),
    adopt: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Take over a Namespace that already exists; otherwise an existing Namespace not created by this PrismNamespace is an error.',
      }),
    ),
    quota: Type.Optional(NamespaceQuota),
    limits: Type.Optional(NamespaceLimits),
    isolation: Type.Optional(
      enumOf(['none', 'namespace', 'strict'] as const, {
        default: 'namespace',
        description:
          'NetworkPolicy: none (no policy), namespace (ingress only from pods of the same Namespace and the Prism proxy), strict (also deny egress except DNS and the Prism proxy).',
      }),
    ),
    access: Type.Optional(
      Type.Array(NamespaceAccess, {
        maxItems: 64,
        description: 'Who may use the Namespace: one RoleBinding per entry.',
      }),
    ),
    allowedPatterns: Type.Optional(
      Type.Array(dnsLabel('A pattern name, e.g. keyvalue.'), {
        maxItems: 64,
        'x-kubernetes-list-type': 'set',
        description: 'Patterns tenants may run here (empty: all).',
      }),
    ),
    allowedBackends: Type.Optional(
      Type.Array(enumOf(BACKEND_TYPES), {
        maxItems: BACKEND_TYPES.length,
        'x-kubernetes-list-type': 'set',
        description: 'Backend types tenants may use here (empty: all).',
      }),
    ),
    deletionPolicy: Type.Optional(
      enumOf(['Delete', 'Retain'] as const, {
        default: 'Delete',
        description:
          'What happens to the Namespace (adopted or not) when this PrismNamespace is deleted or expires.',
      }),
    ),
    ttl: Type.Optional(
      duration(
        'Time to live from creation, e.g. 72h; then the PrismNamespace deletes itself. Unset: forever.',
        {
          min: '1m',
        },
      ),
    ),
  },
  {
    description: 'Desired state of the PrismNamespace.',
    ...cel(...NAMESPACE_SPEC_RULES),
  },
);
export type PrismNamespaceSpec = Static<typeof PrismNamespaceSpec>;

export const NAMESPACE_PHASES = ['Provisioning', 'Active', 'Terminating', 'Failed'] as const;
export type NamespacePhase = (typeof NAMESPACE_PHASES)[number];

const quantities = (description: string) => Type.Record(Type.String(), quantity(), { description });

export const PrismNamespaceStatus = Type.Object(
  {
    phase: Type.Optional(
      enumOf(NAMESPACE_PHASES, { description: 'Provisioning, Active, Terminating or Failed.' }),
    ),
    namespace: Type.Optional(Type.String({ description: 'The Namespace this PrismNamespace manages.' })),
    provisionedAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the Namespace was first ready.' }),
    ),
    expiresAt: Type.Optional(
      Type.String({ format: 'date-time', description: 'When the ttl runs out (unset: never).' }),
    ),
    quota: Type.Optional(
      Type.Object(
        {
          hard: Type.Optional(quantities('Limits the ResourceQuota enforces.')),
          used: Type.Optional(quantities('Current usage.')),
        },
        { description: 'The ResourceQuota’s status.' },
      ),
    ),
    observedGeneration: Type.Optional(
      Type.Integer({ format: 'int64', description: 'The spec generation this status describes.' }),
    ),
    conditions: Type.Optional(
      CloneType(Conditions, { description: 'Ready, Provisioned, QuotaEnforced and IsolationApplied.' }),
    ),
  },
  { description: 'Observed state of the PrismNamespace.' },
);
export type PrismNamespaceStatus = Static<typeof PrismNamespaceStatus>;
