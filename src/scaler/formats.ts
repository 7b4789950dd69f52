// String formats of KEDA trigger parameters and Kubernetes quantities. Each
// format carries the words used in messages ("must be <describe>").

export interface FormatDef {
  describe: string;
  test: (value: string) => boolean;
}

// Go's encoding/json number grammar: KEDA decodes numeric parameters with it.
const JSON_INT = /^-?(0|[1-9]\d*)$/;
const JSON_FLOAT = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;
// strconv.ParseBool's accepted spellings.
const GO_BOOLS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False']);
const GO_DURATION = /^((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$/;
const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_BRACKETED = /^\[[0-9A-Fa-f:.]+\]$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(?:([KMGTPE]i|[numkMGTPE])|[eE]([+-]?\d+))?$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const SQS_QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}(\.fifo)?$/;
// IANA names (Area/Location[/Sub], Etc/GMT+5) and the single-word zones (UTC, Japan, EST5EDT).
const TIMEZONE = /^[A-Z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;
const KEY_VALUE = /^[^=,\s][^=,]*=[^,]*$/;
const PARTITION = /^\d+(-\d+)?$/;

const splitList = (value: string) => value.split(',').map((s) => s.trim());

export const isInt = (v: string) => JSON_INT.test(v);
export const isFloat = (v: string) => JSON_FLOAT.test(v);
export const isPositiveInt = (v: string) => isInt(v) && !v.startsWith('-') && v !== '0';
export const isNonNegativeInt = (v: string) => isInt(v) && !v.startsWith('-');
export const isPositiveFloat = (v: string) => isFloat(v) && Number(v) > 0;
export const isGoBool = (v: string) => GO_BOOLS.has(v);
/** ParseBool's true spellings. */
export const goTrue = (v: string | undefined) =>
  v !== undefined && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
export const isDnsLabel = (v: string) => v.length <= 63 && DNS_LABEL.test(v);

export function isPort(v: string): boolean {
  return isPositiveInt(v) && Number(v) <= 65535;
}

export function isHost(v: string): boolean {
  return HOSTNAME.test(v) || IPV4.test(v) || IPV6_BRACKETED.test(v);
}

export function isHostPort(v: string): boolean {
  const colon = v.lastIndexOf(':');
  return colon > 0 && isHost(v.slice(0, colon)) && isPort(v.slice(colon + 1));
}

function isUrlWith(v: string, protocols: readonly string[]): boolean {
  try {
    const url = new URL(v);
    return protocols.includes(url.protocol) && url.hostname !== '';
  } catch {
    return false;
  }
}

/** A full SQS queue URL (path /<account>/<queue>) or a bare queue name. */
function isSqsQueue(v: string): boolean {
  if (!/^https?:\/\//.test(v)) return SQS_QUEUE_NAME.test(v);
  if (!isUrlWith(v, ['http:', 'https:'])) return false;
  return new URL(v).pathname.split('/').filter(Boolean).length === 2;
}

/** The value of a Kubernetes quantity ("500m" → 0.5), or undefined when it is not one. */
export function parseQuantity(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  const m = QUANTITY.exec(v);
  if (!m) return undefined;
  const [, sign, digits, suffix, exponent] = m;
  const base = Number(digits) * (sign === '-' ? -1 : 1);
  if (exponent !== undefined) return base * 10 ** Number(exponent);
  return base * quantityMultiplier(suffix);
}

function quantityMultiplier(suffix: string | undefined): number {
  const decimal: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
  const binary: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
  if (!suffix) return 1;
  if (suffix in binary) return 2 ** binary[suffix]!;
  return 10 ** (decimal[suffix] ?? 0);
}

// ---- cron: robfig/cron's standard 5-field grammar, as KEDA's cron scaler parses it ----

interface CronField {
  min: number;
  max: number;
  names?: readonly string[];
  question?: boolean;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const CRON_FIELDS: readonly CronField[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31, question: true },
  { min: 1, max: 12, names: MONTHS },
  { min: 0, max: 6, names: DAYS, question: true },
];

function cronValue(token: string, field: CronField): number | undefined {
  if (/^\d+$/.test(token)) {
    const n = Number(token);
    return n >= field.min && n <= field.max ? n : undefined;
  }
  const i = field.names?.indexOf(token.toUpperCase()) ?? -1;
  return i < 0 ? undefined : i + field.min;
}

function isCronItem(item: string, field: CronField): boolean {
  const [range, step, extra] = item.split('/');
  if (extra !== undefined || range === undefined) return false;
  if (step !== undefined && !isPositiveInt(step)) return false;
  if (range === '*' || (range === '?' && field.question)) return true;
  const [from, to, more] = range.split('-');
  if (more !== undefined || from === undefined) return false;
  const lo = cronValue(from, field);
  const hi = to === undefined ? lo : cronValue(to, field);
  return lo !== undefined && hi !== undefined && lo <= hi;
}

export function isCron(v: string): boolean {
  const fields = v.trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) return false;
  return fields.every((f, i) => f.split(',').every((item) => isCronItem(item, CRON_FIELDS[i]!)));
}

const listOf = (test: (v: string) => boolean) => (v: string) =>
  splitList(v).every((s) => s !== '' && test(s));

export const FORMATS = {
  int: { describe: 'an integer', test: isInt },
  positiveInt: { describe: 'an integer > 0', test: isPositiveInt },
  nonNegativeInt: { describe: 'an integer >= 0', test: isNonNegativeInt },
  float: { describe: 'a number', test: isFloat },
  positiveFloat: { describe: 'a number > 0', test: isPositiveFloat },
  bool: { describe: 'true or false', test: isGoBool },
  duration: {
    describe: 'a duration such as 30s or 500ms, or a number of milliseconds',
    test: (v: string) => GO_DURATION.test(v) || isNonNegativeInt(v),
  },
  host: { describe: 'a host name or IP address', test: isHost },
  hostList: { describe: 'a comma-separated list of host names', test: listOf(isHost) },
  port: { describe: 'a port number between 1 and 65535', test: isPort },
  portList: { describe: 'a comma-separated list of port numbers', test: listOf(isPort) },
  hostPort: { describe: 'host:port, without a scheme such as http://', test: isHostPort },
  hostPortList: { describe: 'a comma-separated list of host:port', test: listOf(isHostPort) },
  httpUrl: {
    describe: 'an http:// or https:// URL',
    test: (v: string) => isUrlWith(v, ['http:', 'https:']),
  },
  rabbitmqHost: {
    describe: 'an amqp://, amqps://, http:// or https:// URL',
    test: (v: string) => isUrlWith(v, ['amqp:', 'amqps:', 'http:', 'https:']),
  },
  sqsQueue: {
    describe: 'a queue URL (https://sqs.<region>.amazonaws.com/<account>/<queue>) or a queue name',
    test: isSqsQueue,
  },
  awsRegion: { describe: 'an AWS region such as eu-west-1', test: (v: string) => AWS_REGION.test(v) },
  cron: {
    describe: 'a 5-field cron expression "minute hour day-of-month month day-of-week", e.g. "0 8 * * 1-5"',
    test: isCron,
  },
  timezone: {
    describe: 'an IANA time zone such as Europe/Paris or UTC',
    test: (v: string) => TIMEZONE.test(v),
  },
  quantity: {
    describe: 'a Kubernetes quantity > 0 such as 500m or 512Mi',
    test: (v: string) => (parseQuantity(v) ?? 0) > 0,
  },
  keyValueList: {
    describe: 'a comma-separated list of key=value',
    test: listOf((s) => KEY_VALUE.test(s)),
  },
  partitionList: {
    describe: 'a comma-separated list of partitions or ranges such as 1,2,10-20',
    test: listOf((s) => PARTITION.test(s)),
  },
  prometheusAuthModes: {
    describe: 'a comma-separated list of bearer, basic, tls and custom',
    test: listOf((s) => ['bearer', 'basic', 'tls', 'custom'].includes(s)),
  },
  dnsLabel: {
    describe: 'a container name (lowercase letters, digits and -)',
    test: isDnsLabel,
  },
} as const satisfies Record<string, FormatDef>;

export type FormatName = keyof typeof FORMATS;
