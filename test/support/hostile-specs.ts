// A deterministic generator of invalid and hostile specs for the four Prism
// kinds (fault test R3): wrong types, huge strings, deep nesting, unknown
// fields, out-of-range numbers, conflicting autoscaling, unknown triggers,
// missing references, names at length limits. Every case starts from the
// smallest valid spec of its kind and breaks one thing, so a case that is
// accepted shows which rule is missing. Grow it by adding rows.

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

/** The smallest valid spec of each kind (as the CRD tests use). */
export const VALID_SPECS: Record<PrismKind, Json> = {
  PrismPattern: { pattern: 'consumer', backend: 'kafka', image: 'registry.invalid/consumer:1' },
  PrismBackend: { provider: 'kafka', connection: { bootstrapServers: ['kafka-0.kafka:9092'] } },
  PrismNamespace: {},
  PrismStack: { proxy: { image: 'registry.invalid/prism-proxy:1' } },
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
  ['port 65536', 65536],
];

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
  PrismBackend: ['healthCheck.failureThreshold'],
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

/**
 * At least 500 cases (the count grows with FIELDS). Names are unique per
 * kind; `prefix` keeps several runs in one namespace apart.
 */
export function hostileCases(prefix = 'bad'): HostileCase[] {
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
      for (const [label, value] of WRONG_TYPES)
        add(kind, `${field} as ${label}`, withPath(base, field, value));
      add(kind, `unknown field next to ${field}`, withPath(base, `${field}Bogus`, 'x'));
      add(kind, `${field} nested 150 levels deep`, withPath(base, field, deeplyNested(150)));
    }
    for (const field of NUMERIC_FIELDS[kind]) {
      for (const [label, value] of OUT_OF_RANGE) add(kind, `${field} ${label}`, withPath(base, field, value));
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
  for (const [what, patch] of PATTERN_SEMANTIC)
    add('PrismPattern', what, { ...VALID_SPECS.PrismPattern, ...patch });
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
