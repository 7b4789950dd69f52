// A deterministic generator of invalid and hostile specs for the four Prism
// kinds (fault test R3): wrong types, huge strings, deep nesting, unknown
// fields, out-of-range numbers, conflicting autoscaling, unknown triggers,
// missing references, names at length limits. Every case starts from the
// smallest valid spec of its kind and breaks one thing, so a case that is
// accepted shows which rule is missing. Grow it by adding rows.
import type { TSchema } from '@sinclair/typebox';
import { PrismBackendSpec } from '../../src/api/v1alpha1/prismbackend.js';
import { PrismNamespaceSpec } from '../../src/api/v1alpha1/prismnamespace.js';
import { PrismPatternSpec } from '../../src/api/v1alpha1/prismpattern.js';
import { PrismStackSpec } from '../../src/api/v1alpha1/prismstack.js';
import { schemaProblems } from '../../src/api/v1alpha1/validate.js';

export type PrismKind = 'PrismPattern' | 'PrismBackend' | 'PrismNamespace' | 'PrismStack';
type Json = Record<string, unknown>;

export interface HostileCase {
  kind: PrismKind;
  /** What is wrong, for failure messages. */
  what: string;
  name: string;
  spec: unknown;
  /** Sent as-is when set (e.g. a name the API server must refuse). */
  rawName?: boolean;
}

export const PLURALS: Record<PrismKind, string> = {
  PrismPattern: 'prismpatterns',
  PrismBackend: 'prismbackends',
  PrismNamespace: 'prismnamespaces',
  PrismStack: 'prismstacks',
};

/**
 * The smallest valid spec of each kind (as the CRD tests use). The backend's health
 * check is off, so a backend that is in fact valid ends Ready=True and shows up,
 * rather than hiding behind an unreachable (never probed) address.
 */
export const VALID_SPECS: Record<PrismKind, Json> = {
  PrismPattern: { pattern: 'consumer', backend: 'kafka', image: 'registry.invalid/consumer:1' },
  PrismBackend: {
    provider: 'kafka',
    connection: { bootstrapServers: ['kafka-0.kafka:9092'] },
    healthCheck: { enabled: false },
  },
  PrismNamespace: {},
  // With an admin, so its fields (port, enabled) can be broken one at a time.
  PrismStack: {
    proxy: { image: 'registry.invalid/prism-proxy:1' },
    admin: { image: 'registry.invalid/prism-admin:1', replicas: 1 },
  },
};

/** Fields worth breaking, per kind: dotted paths into the spec. */
const FIELDS: Record<PrismKind, string[]> = {
  PrismPattern: [
    'pattern',
    'backend',
    'image',
    'replicas',
    'imagePullPolicy',
    'command',
    'args',
    'env',
    'config',
    'resources',
    'service',
    'service.port',
    'autoscaling',
    'autoscaling.minReplicas',
    'autoscaling.maxReplicas',
    'disruption',
    'backendRef',
    'backendRef.name',
    'placement',
    'podAnnotations',
  ],
  PrismBackend: [
    'provider',
    'connection',
    'connection.bootstrapServers',
    'secretRef',
    'secretRef.name',
    'tls',
    'tls.enabled',
    'healthCheck',
    'healthCheck.interval',
  ],
  PrismNamespace: [
    'namespace',
    'displayName',
    'labels',
    'annotations',
    'adopt',
    'quota',
    'quota.pods',
    'quota.cpu',
    'limits',
    'isolation',
    'access',
    'allowedPatterns',
    'deletionPolicy',
    'ttl',
  ],
  PrismStack: [
    'proxy',
    'proxy.image',
    'proxy.replicas',
    'proxy.port',
    'admin',
    'admin.enabled',
    'patterns',
    'backends',
    'namespaces',
    'observability',
    'observability.metricsPort',
  ],
};

const SPEC_SCHEMAS: Record<PrismKind, TSchema> = {
  PrismPattern: PrismPatternSpec,
  PrismBackend: PrismBackendSpec,
  PrismNamespace: PrismNamespaceSpec,
  PrismStack: PrismStackSpec,
};

/** The schema of the field at a dotted path of a kind's spec; undefined for a field the kind lacks. */
function fieldSchema(kind: PrismKind, path: string): TSchema | undefined {
  let node: TSchema | undefined = SPEC_SCHEMAS[kind];
  for (const key of path.split('.')) node = (node?.properties as Record<string, TSchema> | undefined)?.[key];
  return node;
}

/**
 * Whether a "wrong type" value is in fact one the field takes (a string for a string
 * field, a number for a count): such a case breaks nothing, so it is left out. Objects
 * and arrays are always kept: their unknown keys or items are what is wrong.
 */
function fieldAccepts(kind: PrismKind, path: string, value: unknown): boolean {
  const schema = fieldSchema(kind, path);
  if (!schema || (typeof value === 'object' && value !== null)) return false;
  return schemaProblems(schema, value).length === 0;
}

const WRONG_TYPES: [string, unknown][] = [
  ['a number', 42],
  ['a boolean', true],
  ['a string', 'not-what-you-want'],
  ['an array', ['x', 1]],
  ['an object', { surprise: { nested: true } }],
];

const OUT_OF_RANGE: [string, unknown][] = [
  ['negative', -1],
  ['above int32', 2 ** 31],
  ['huge', 1e300],
  ['fractional', 1.5],
  ['below int32', -(2 ** 31) - 1],
];

/** Out of range for ports only (65536 pods or replicas is a lot, but valid). */
const PORT_OUT_OF_RANGE: [string, unknown][] = [['port 65536', 65536]];
const isPort = (field: string) => /port$/i.test(field);

/** Fields where zero, unlike replicas, means nothing sensible. */
const ZERO_INVALID: Record<PrismKind, string[]> = {
  PrismPattern: ['service.port', 'autoscaling.maxReplicas'],
  PrismBackend: [],
  PrismNamespace: [],
  PrismStack: ['proxy.port', 'admin.port'],
};

const NUMERIC_FIELDS: Record<PrismKind, string[]> = {
  PrismPattern: [
    'replicas',
    'service.port',
    'autoscaling.minReplicas',
    'autoscaling.maxReplicas',
    'autoscaling.targetCPUUtilizationPercentage',
  ],
  // No numbers in a backend spec: its bounds are durations (BACKEND_SEMANTIC).
  PrismBackend: [],
  PrismNamespace: ['quota.pods', 'quota.services'],
  PrismStack: ['proxy.replicas', 'proxy.port', 'admin.port', 'observability.metricsPort'],
};

/** Strings large enough to hurt but small enough for one request (the API server caps bodies at 3 MiB). */
const HUGE = [
  ['64 KiB', 64 * 1024],
  ['1 MiB', 1024 * 1024],
] as const;

const STRING_FIELDS: Record<PrismKind, string[]> = {
  PrismPattern: ['image', 'pattern', 'serviceAccountName'],
  PrismBackend: ['provider', 'secretRef.name'],
  PrismNamespace: ['displayName', 'namespace'],
  PrismStack: ['proxy.image'],
};

/** A deep copy of `obj` with `path` set to `value` (intermediate objects created). */
export function withPath(obj: Json, path: string, value: unknown): Json {
  const out = structuredClone(obj);
  const keys = path.split('.');
  let at: Json = out;
  for (const k of keys.slice(0, -1)) {
    const next = at[k];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[k] = {};
    at = at[k] as Json;
  }
  at[keys[keys.length - 1]!] = value;
  return out;
}

function deeplyNested(depth: number): Json {
  let v: Json = { leaf: 'x' };
  for (let i = 0; i < depth; i++) v = { n: v };
  return v;
}

/** Pattern specs whose autoscaling contradicts itself or names what does not exist. */
const PATTERN_SEMANTIC: [string, Json][] = [
  ['minReplicas above maxReplicas', { autoscaling: { enabled: true, minReplicas: 9, maxReplicas: 2 } }],
  [
    'hpa with KEDA triggers',
    {
      autoscaling: {
        enabled: true,
        scaler: 'hpa',
        maxReplicas: 3,
        triggers: [{ type: 'cpu', metadata: { value: '50' } }],
      },
    },
  ],
  ['keda without triggers', { autoscaling: { enabled: true, scaler: 'keda', maxReplicas: 3 } }],
  ['an unknown scaler', { autoscaling: { enabled: true, scaler: 'magic', maxReplicas: 3 } }],
  [
    'an unknown trigger type',
    {
      autoscaling: {
        enabled: true,
        scaler: 'keda',
        maxReplicas: 3,
        triggers: [{ type: 'no-such-scaler', metadata: { a: 'b' } }],
      },
    },
  ],
  [
    'a kafka trigger without its metadata',
    { autoscaling: { enabled: true, scaler: 'keda', maxReplicas: 3, triggers: [{ type: 'kafka' }] } },
  ],
  [
    'a cpu trigger with scale to zero',
    {
      autoscaling: {
        enabled: true,
        scaler: 'keda',
        minReplicas: 0,
        maxReplicas: 3,
        triggers: [{ type: 'cpu', metadata: { value: '50' } }],
      },
    },
  ],
  [
    'a trigger referring to a missing TriggerAuthentication',
    {
      autoscaling: {
        enabled: true,
        scaler: 'keda',
        maxReplicas: 3,
        triggers: [
          {
            type: 'kafka',
            metadata: { topic: 't', lagThreshold: '5' },
            authenticationRef: { name: 'missing' },
          },
        ],
      },
    },
  ],
  ['a missing PrismBackend', { backendRef: { name: 'does-not-exist' } }],
  [
    'disruption with both minAvailable and maxUnavailable',
    { disruption: { minAvailable: 1, maxUnavailable: 1 } },
  ],
  [
    'duplicate trigger names',
    {
      autoscaling: {
        enabled: true,
        scaler: 'keda',
        maxReplicas: 3,
        triggers: [
          { type: 'kafka', name: 'a', metadata: { topic: 't', lagThreshold: '5' } },
          { type: 'kafka', name: 'a', metadata: { topic: 't', lagThreshold: '5' } },
        ],
      },
    },
  ],
  [
    'a CPU target without CPU requests',
    { autoscaling: { enabled: true, scaler: 'hpa', maxReplicas: 3, targetCPUUtilizationPercentage: 50 } },
  ],
  ['a memory quantity that is not one', { resources: { requests: { memory: 'lots' } } }],
  ['an env var without a name', { env: [{ value: 'x' }] }],
  ['a config key with a slash', { config: { '../etc/passwd': 'x' } }],
];

/** Backend specs that contradict themselves, break a bound, or name a Secret that is not there. */
const BACKEND_SEMANTIC: [string, Json][] = [
  ['a secretRef to a missing Secret', { secretRef: { name: 'does-not-exist', keys: { password: 'pw' } } }],
  ['a TLS CA in a missing Secret', { tls: { caSecretRef: { name: 'does-not-exist' } } }],
  ['a username without a password key', { secretRef: { name: 'creds', keys: { username: 'user' } } }],
  ['insecureSkipVerify with a CA', { tls: { insecureSkipVerify: true, caSecretRef: { name: 'ca' } } }],
  ['a health check timeout longer than its interval', { healthCheck: { interval: '5s', timeout: '10s' } }],
  ['a health check every 25h', { healthCheck: { interval: '25h' } }],
  ['a health check every 10ms', { healthCheck: { interval: '10ms' } }],
  ['a health check interval that is not a duration', { healthCheck: { interval: 'soon' } }],
  ['a broker on port 0', { connection: { bootstrapServers: ['kafka-0.kafka:0'] } }],
  ['a broker without a port', { connection: { bootstrapServers: ['kafka-0.kafka'] } }],
  ['a broker address with a space', { connection: { bootstrapServers: ['kafka 0:9092'] } }],
  ['no brokers', { connection: { bootstrapServers: [] } }],
  ['the same broker twice', { connection: { bootstrapServers: ['k:9092', 'k:9092'] } }],
  ['endpoints on a kafka backend', { connection: { bootstrapServers: ['k:9092'], endpoints: ['k:9092'] } }],
  ['a redis backend with Kafka brokers', { provider: 'redis' }],
  ['a postgres backend without a database', { provider: 'postgres', connection: { endpoints: ['db:5432'] } }],
  ['a nats URL with the wrong scheme', { provider: 'nats', connection: { url: 'http://nats:4222' } }],
  ['an sqs backend without a region', { provider: 'sqs', connection: { queue: 'q' } }],
];

/** Namespace specs that break a cross-field rule or reach for what the operator reserves. */
const NAMESPACE_SEMANTIC: [string, Json][] = [
  ['the kube-system Namespace, adopted', { namespace: 'kube-system', adopt: true }],
  ['the default Namespace', { namespace: 'default' }],
  ['a label spoofing the owner', { labels: { 'prism.io/owner-name': 'someone-else' } }],
  ['a label key that is not a qualified name', { labels: { 'not a key': 'x' } }],
  ['a quota of cpu requests above cpu limits', { quota: { cpu: '2', limitsCpu: '1' } }],
  ['an empty quota', { quota: {} }],
  ['a negative memory quota', { quota: { memory: '-1Gi' } }],
  [
    'limits whose default request exceeds the default',
    { limits: { defaultRequest: { cpu: '2' }, default: { cpu: '1' } } },
  ],
  [
    'a namespace on a Group subject',
    { access: [{ kind: 'Group', name: 'g', namespace: 'x', role: 'view' }] },
  ],
  ['an unknown role', { access: [{ kind: 'User', name: 'u', role: 'cluster-admin' }] }],
  ['a ttl of 30s (below a minute)', { ttl: '30s' }],
];

/** Stack specs whose parts disagree; the child entries' own rules the stack leaves to the child. */
const STACK_SEMANTIC: [string, Json][] = [
  [
    'a pattern whose backendRef names no backend entry',
    {
      patterns: [
        { name: 'p', pattern: 'consumer', backend: 'kafka', image: 'i:1', backendRef: { name: 'nope' } },
      ],
    },
  ],
  [
    'a pattern whose backend differs from its backendRef’s provider',
    {
      backends: [{ name: 'b', provider: 'kafka', connection: { bootstrapServers: ['k:9092'] } }],
      patterns: [
        { name: 'p', pattern: 'consumer', backend: 'redis', image: 'i:1', backendRef: { name: 'b' } },
      ],
    },
  ],
  [
    'a pattern entry named proxy',
    { patterns: [{ name: 'proxy', pattern: 'consumer', backend: 'kafka', image: 'i:1' }] },
  ],
  [
    'two backends with the same name',
    {
      backends: [
        { name: 'b', provider: 'kafka', connection: { bootstrapServers: ['k:9092'] } },
        { name: 'b', provider: 'kafka', connection: { bootstrapServers: ['k:9093'] } },
      ],
    },
  ],
  ['metricsPort equal to the proxy port', { observability: { metricsPort: 8980 } }],
  [
    'three admins without leader election',
    { admin: { image: 'a:1', replicas: 3, leaderElection: { enabled: false } } },
  ],
  ['an enabled admin without an image', { admin: { enabled: true } }],
  [
    'a tenant entry whose default request exceeds its default (checked by the child)',
    { namespaces: [{ name: 't', limits: { defaultRequest: { cpu: '2' }, default: { cpu: '1' } } }] },
  ],
  [
    'a tenant entry with cpu requests above cpu limits (checked by the child)',
    { namespaces: [{ name: 't', quota: { cpu: '2', limitsCpu: '1' } }] },
  ],
  ['a tenant entry for kube-system', { namespaces: [{ name: 't', namespace: 'kube-system' }] }],
  [
    'proxy autoscaling with minReplicas above maxReplicas',
    { proxy: { image: 'p:1', autoscaling: { enabled: true, minReplicas: 5, maxReplicas: 2 } } },
  ],
];

/** Namespaces of the cluster the run knows about, for tenants that reach for them. */
export interface HostileContext {
  /** A Namespace no PrismNamespace manages (e.g. the test's own). */
  unmanagedNamespace?: string;
  /** A Namespace another PrismNamespace already manages. */
  managedNamespace?: string;
}

/**
 * At least 500 cases (the count grows with FIELDS). Names are unique per
 * kind; `prefix` keeps several runs in one namespace apart.
 */
export function hostileCases(prefix = 'bad', ctx: HostileContext = {}): HostileCase[] {
  const cases: HostileCase[] = [];
  const add = (kind: PrismKind, what: string, spec: unknown, name?: string) =>
    cases.push({
      kind,
      what,
      spec,
      name: name ?? `${prefix}-${kind.slice(5).toLowerCase()}-${cases.length}`,
      rawName: name !== undefined,
    });
  for (const kind of Object.keys(VALID_SPECS) as PrismKind[]) {
    const base = VALID_SPECS[kind];
    for (const field of FIELDS[kind]) {
      for (const [label, value] of WRONG_TYPES) {
        if (fieldAccepts(kind, field, value)) continue;
        add(kind, `${field} as ${label}`, withPath(base, field, value));
      }
      add(kind, `unknown field next to ${field}`, withPath(base, `${field}Bogus`, 'x'));
      add(kind, `${field} nested 150 levels deep`, withPath(base, field, deeplyNested(150)));
    }
    for (const field of NUMERIC_FIELDS[kind]) {
      for (const [label, value] of [...OUT_OF_RANGE, ...(isPort(field) ? PORT_OUT_OF_RANGE : [])])
        add(kind, `${field} ${label}`, withPath(base, field, value));
      add(kind, `${field} as a numeric string`, withPath(base, field, '3'));
    }
    for (const field of ZERO_INVALID[kind]) add(kind, `${field} zero`, withPath(base, field, 0));
    for (const field of STRING_FIELDS[kind]) {
      for (const [label, size] of HUGE)
        add(kind, `${field} of ${label}`, withPath(base, field, 'x'.repeat(size)));
      add(kind, `${field} empty`, withPath(base, field, ''));
      add(kind, `${field} with control characters`, withPath(base, field, 'a\u0000b\u001b[31m'));
    }
    add(kind, 'spec as an array', [base]);
    add(kind, 'spec as a string', 'spec');
    add(kind, 'a name of 253 characters', base, 'n'.repeat(253));
    add(kind, 'a name of 254 characters', base, 'n'.repeat(254));
    add(kind, 'a name with capitals', base, `${prefix}-Upper`);
    add(kind, 'a name with a trailing dash', base, `${prefix}-trailing-`);
  }
  for (const [kind, rows] of [
    ['PrismPattern', PATTERN_SEMANTIC],
    ['PrismBackend', BACKEND_SEMANTIC],
    ['PrismNamespace', NAMESPACE_SEMANTIC],
    ['PrismStack', STACK_SEMANTIC],
  ] as const) {
    for (const [what, patch] of rows) add(kind, what, { ...VALID_SPECS[kind], ...patch });
  }
  // Accepted by the schema; the reconciler must refuse to write to a Namespace that is not its own.
  if (ctx.unmanagedNamespace) {
    add('PrismNamespace', 'an existing Namespace it did not create', { namespace: ctx.unmanagedNamespace });
  }
  if (ctx.managedNamespace) {
    add('PrismNamespace', 'a Namespace another PrismNamespace manages', { namespace: ctx.managedNamespace });
    add('PrismNamespace', 'a Namespace another PrismNamespace manages, with adopt', {
      namespace: ctx.managedNamespace,
      adopt: true,
      deletionPolicy: 'Delete',
    });
  }
  add(
    'PrismPattern',
    'a name of 54 characters (the longest a pattern allows)',
    VALID_SPECS.PrismPattern,
    `${prefix}-${'p'.repeat(53 - prefix.length)}`,
  );
  add(
    'PrismPattern',
    'a name of 55 characters',
    VALID_SPECS.PrismPattern,
    `${prefix}-${'p'.repeat(54 - prefix.length)}`,
  );
  add(
    'PrismPattern',
    'a name of 63 characters',
    VALID_SPECS.PrismPattern,
    `${prefix}-${'p'.repeat(62 - prefix.length)}`,
  );
  return cases;
}
