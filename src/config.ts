// The operator's configuration: read once at start-up from flags and
// environment variables (flags win), validated into one typed object. Nothing
// else in the operator reads process.env.
import { parseArgs } from 'node:util';

export interface OperatorConfig {
  logLevel: 'error' | 'warn' | 'info' | 'debug';
  logFormat: 'json' | 'text';
  httpBindAddress: string;
  leaderElect: boolean;
  leaderElectionNamespace: string;
  leaderElectionId: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  maxConcurrentReconciles: number;
  queueQps: number;
  queueBurst: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  podName: string | undefined;
  /** Namespaces the operator watches and writes; empty means every namespace (cluster scope). */
  watchNamespaces: string[];
  enableWebhooks: boolean;
  webhookBindAddress: string;
  webhookCertDir: string;
  webhookNamespace: string;
  webhookServiceName: string;
  webhookSecretName: string;
  webhookConfigurationName: string;
  webhookCertValidityMs: number;
  /** Namespace the operator (and the Prism proxy) runs in; tenant NetworkPolicies admit it. */
  operatorNamespace: string;
  backendProbeLoopbackOnly: boolean;
  /** /metrics needs a bearer token allowed to get the /metrics URL (TokenReview + SubjectAccessReview). */
  metricsAuth: boolean;
}

type Kind = 'string' | 'boolean' | 'int' | 'number' | 'duration' | 'list';

interface OptionSpec {
  key: keyof OperatorConfig;
  flag: string;
  env: string;
  kind: Kind;
  default: (env: NodeJS.ProcessEnv) => unknown;
  doc: string;
  choices?: readonly string[];
  min?: number;
}

/** Every setting, its flag, its environment variable, default and meaning (also rendered into the README). */
export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'logLevel',
    flag: 'log-level',
    env: 'LOG_LEVEL',
    kind: 'string',
    default: () => 'info',
    choices: ['error', 'warn', 'info', 'debug'],
    doc: 'Log level.',
  },
  {
    key: 'logFormat',
    flag: 'log-format',
    env: 'LOG_FORMAT',
    kind: 'string',
    default: () => 'json',
    choices: ['json', 'text'],
    doc: 'json for log pipelines, text for people.',
  },
  {
    key: 'httpBindAddress',
    flag: 'http-bind-address',
    env: 'HTTP_BIND_ADDRESS',
    kind: 'string',
    default: () => ':8081',
    doc: 'Address of the HTTP server: /healthz, /readyz, /metrics, the status API and page (beyond loopback the API needs a bearer token).',
  },
  {
    key: 'leaderElect',
    flag: 'leader-elect',
    env: 'LEADER_ELECT',
    kind: 'boolean',
    default: () => true,
    doc: 'Use a Lease so that only one replica reconciles.',
  },
  {
    key: 'leaderElectionNamespace',
    flag: 'leader-election-namespace',
    env: 'LEADER_ELECTION_NAMESPACE',
    kind: 'string',
    default: (env) => env.POD_NAMESPACE ?? 'prism-system',
    doc: 'Namespace of the Lease (default: the pod namespace).',
  },
  {
    key: 'leaderElectionId',
    flag: 'leader-election-id',
    env: 'LEADER_ELECTION_ID',
    kind: 'string',
    default: () => 'prism-operator-leader',
    doc: 'Name of the Lease.',
  },
  {
    key: 'leaseDurationMs',
    flag: 'lease-duration',
    env: 'LEASE_DURATION',
    kind: 'duration',
    default: () => 15_000,
    doc: 'How long standbys wait before taking over a lease that is not renewed.',
  },
  {
    key: 'renewDeadlineMs',
    flag: 'renew-deadline',
    env: 'RENEW_DEADLINE',
    kind: 'duration',
    default: () => 10_000,
    doc: 'How long the leader keeps retrying to renew before it gives up leading.',
  },
  {
    key: 'retryPeriodMs',
    flag: 'retry-period',
    env: 'RETRY_PERIOD',
    kind: 'duration',
    default: () => 2_000,
    doc: 'Interval between lease acquire/renew attempts.',
  },
  {
    key: 'maxConcurrentReconciles',
    flag: 'max-concurrent-reconciles',
    env: 'MAX_CONCURRENT_RECONCILES',
    kind: 'int',
    default: () => 4,
    min: 1,
    doc: 'Reconciles running at once across all kinds (never two for one object).',
  },
  {
    key: 'queueQps',
    flag: 'queue-qps',
    env: 'QUEUE_QPS',
    kind: 'number',
    default: () => 10,
    min: 0.001,
    doc: 'Overall token-bucket rate for retries.',
  },
  {
    key: 'queueBurst',
    flag: 'queue-burst',
    env: 'QUEUE_BURST',
    kind: 'int',
    default: () => 100,
    min: 1,
    doc: 'Token-bucket burst for retries.',
  },
  {
    key: 'backoffBaseMs',
    flag: 'backoff-base',
    env: 'BACKOFF_BASE',
    kind: 'duration',
    default: () => 5,
    doc: 'First retry delay of a failing object; doubles per failure.',
  },
  {
    key: 'backoffMaxMs',
    flag: 'backoff-max',
    env: 'BACKOFF_MAX',
    kind: 'duration',
    default: () => 1_000_000,
    doc: 'Cap of the per-object retry delay.',
  },
  {
    key: 'podName',
    flag: 'pod-name',
    env: 'POD_NAME',
    kind: 'string',
    default: () => undefined,
    doc: 'Identity in the Lease (default: hostname plus a random suffix).',
  },
  {
    key: 'watchNamespaces',
    flag: 'watch-namespaces',
    env: 'WATCH_NAMESPACES',
    kind: 'list',
    default: () => [],
    doc: 'Comma-separated namespaces to watch and write; empty means all namespaces.',
  },
  {
    key: 'enableWebhooks',
    flag: 'enable-webhooks',
    env: 'ENABLE_WEBHOOKS',
    kind: 'boolean',
    default: () => true,
    doc: 'Serve the validating and defaulting admission webhooks (every replica, not only the leader).',
  },
  {
    key: 'webhookBindAddress',
    flag: 'webhook-bind-address',
    env: 'WEBHOOK_BIND_ADDRESS',
    kind: 'string',
    default: () => ':9443',
    doc: 'Address of the HTTPS admission webhook server.',
  },
  {
    key: 'webhookCertDir',
    flag: 'webhook-cert-dir',
    env: 'WEBHOOK_CERT_DIR',
    kind: 'string',
    default: () => '',
    doc: 'Directory with tls.crt and tls.key (e.g. from cert-manager), reloaded when they change; empty: the operator issues its own certificate and patches caBundle.',
  },
  {
    key: 'webhookNamespace',
    flag: 'webhook-namespace',
    env: 'WEBHOOK_NAMESPACE',
    kind: 'string',
    default: (env) => env.POD_NAMESPACE ?? 'prism-system',
    doc: 'Namespace of the webhook Service and of the certificate Secret (default: the pod namespace).',
  },
  {
    key: 'webhookServiceName',
    flag: 'webhook-service-name',
    env: 'WEBHOOK_SERVICE_NAME',
    kind: 'string',
    default: () => 'prism-operator-webhook',
    doc: 'Service the API server calls the webhooks through; the certificate names it.',
  },
  {
    key: 'webhookSecretName',
    flag: 'webhook-secret-name',
    env: 'WEBHOOK_SECRET_NAME',
    kind: 'string',
    default: () => 'prism-operator-webhook-cert',
    doc: 'Secret holding the operator-issued webhook certificate (shared by all replicas).',
  },
  {
    key: 'webhookConfigurationName',
    flag: 'webhook-configuration-name',
    env: 'WEBHOOK_CONFIGURATION_NAME',
    kind: 'string',
    default: () => 'prism-operator',
    doc: 'Name of the ValidatingWebhookConfiguration and MutatingWebhookConfiguration whose caBundle the operator fills.',
  },
  {
    key: 'webhookCertValidityMs',
    flag: 'webhook-cert-validity',
    env: 'WEBHOOK_CERT_VALIDITY',
    kind: 'duration',
    default: () => 365 * 24 * 3_600_000,
    doc: 'Lifetime of an operator-issued webhook certificate; it is renewed when a third of it is left.',
  },
  {
    key: 'operatorNamespace',
    flag: 'operator-namespace',
    env: 'OPERATOR_NAMESPACE',
    kind: 'string',
    default: (env) => env.POD_NAMESPACE ?? 'prism-system',
    doc: 'Operator and Prism proxy namespace: tenant NetworkPolicies admit it.',
  },
  {
    key: 'backendProbeLoopbackOnly',
    flag: 'backend-probe-loopback-only',
    env: 'BACKEND_PROBE_LOOPBACK_ONLY',
    kind: 'boolean',
    default: () => false,
    doc: 'PrismBackend health checks probe loopback addresses only (no DNS, no traffic off the machine); others read "not probed".',
  },
  {
    key: 'metricsAuth',
    flag: 'metrics-auth',
    env: 'METRICS_AUTH',
    kind: 'boolean',
    default: () => false,
    doc: 'Require a bearer token allowed to get the /metrics URL (as controller-runtime protects metrics).',
  },
];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join('\n  ')}`);
    this.name = 'ConfigError';
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Parses "15s", "500ms", "2m", "1h" or a bare number of milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) return undefined;
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] ?? 'ms'] ?? 1;
  return Math.round(Number(m[1]) * unit);
}

function convert(spec: OptionSpec, raw: string | boolean, problems: string[]): unknown {
  const where = `--${spec.flag} / ${spec.env}`;
  const text = String(raw);
  switch (spec.kind) {
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (/^(true|1|yes)$/i.test(text)) return true;
      if (/^(false|0|no)$/i.test(text)) return false;
      problems.push(`${where}: expected true or false, got "${text}"`);
      return undefined;
    case 'int':
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || !Number.isFinite(n) || (spec.kind === 'int' && !Number.isInteger(n))) {
        problems.push(
          `${where}: expected ${spec.kind === 'int' ? 'a whole number' : 'a number'}, got "${text}"`,
        );
        return undefined;
      }
      if (spec.min !== undefined && n < spec.min)
        problems.push(`${where}: must be at least ${spec.min}, got ${n}`);
      return n;
    }
    case 'duration': {
      const ms = parseDuration(text);
      if (ms === undefined)
        problems.push(`${where}: expected a duration such as 15s or 500ms, got "${text}"`);
      return ms;
    }
    case 'list': {
      const items = [
        ...new Set(
          text
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        ),
      ];
      const bad = items.filter((s) => !DNS_LABEL.test(s));
      if (bad.length) problems.push(`${where}: not valid namespace names: ${bad.join(', ')}`);
      return items;
    }
    case 'string':
      if (spec.choices && !spec.choices.includes(text)) {
        problems.push(`${where}: expected one of ${spec.choices.join(', ')}, got "${text}"`);
      }
      return text;
  }
}

export function parseConfig(argv: readonly string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const problems: string[] = [];
  const options = Object.fromEntries(
    OPTIONS.map((o) => [o.flag, { type: o.kind === 'boolean' ? ('boolean' as const) : ('string' as const) }]),
  );
  let values: Record<string, string | boolean | undefined> = {};
  try {
    // Booleans also accept --flag=false, which parseArgs does not; normalise first.
    const normalised = argv.flatMap((a) => {
      const m = /^--([\w-]+)=(true|false)$/.exec(a);
      const spec = m ? OPTIONS.find((o) => o.flag === m[1] && o.kind === 'boolean') : undefined;
      if (m && spec) return m[2] === 'true' ? [`--${m[1]}`] : [`--no-${m[1]}`];
      return [a];
    });
    const negations = new Set(normalised.filter((a) => a.startsWith('--no-')).map((a) => a.slice(5)));
    values = parseArgs({
      args: normalised.filter((a) => !a.startsWith('--no-')),
      options,
      strict: true,
    }).values;
    for (const flag of negations) {
      if (OPTIONS.some((o) => o.flag === flag && o.kind === 'boolean')) values[flag] = false;
      else problems.push(`unknown flag --no-${flag}`);
    }
  } catch (err) {
    problems.push(err instanceof Error ? err.message : String(err));
  }
  const config: Record<string, unknown> = {};
  for (const spec of OPTIONS) {
    const raw = values[spec.flag] ?? env[spec.env];
    config[spec.key] = raw === undefined || raw === '' ? spec.default(env) : convert(spec, raw, problems);
  }
  const c = config as unknown as OperatorConfig;
  if (c.leaseDurationMs <= c.renewDeadlineMs)
    problems.push('lease-duration must be greater than renew-deadline');
  if (c.renewDeadlineMs <= 1.2 * c.retryPeriodMs)
    problems.push('renew-deadline must be greater than 1.2 × retry-period');
  if (c.webhookCertValidityMs < 60_000) problems.push('webhook-cert-validity must be at least 1m');
  if (problems.length) throw new ConfigError(problems);
  return c;
}
