// Pure: the egress rules that let a strictly isolated tenant reach its
// backends, from the addresses in the PrismBackends of the tenant Namespace.
// A NetworkPolicy cannot name a DNS name, so: an IP becomes an ipBlock, an
// in-cluster Service name (<svc>.<ns>.svc[...]) its namespace, and any other
// host name only its port (to any destination).
import type { PrismBackendSpec } from '../api/v1alpha1/prismbackend.js';
import { parseHostPort, urlHostPort, type HostPort } from './backend.js';

export type BackendAddressSource = Pick<PrismBackendSpec, 'provider' | 'connection'>;

export interface BackendAddress {
  host: string;
  port: number;
}

/** Lower-cased, so rules compare host names as DNS does. */
const lower = (a: HostPort | undefined): BackendAddress | undefined =>
  a && { host: a.host.toLowerCase(), port: a.port };

/** Where a backend's clients connect; a URL kept in a Secret is not known here. */
export function backendAddresses(b: BackendAddressSource): BackendAddress[] {
  const c = b.connection;
  const listed = [...(c.bootstrapServers ?? []), ...(c.endpoints ?? [])].map((t) => lower(parseHostPort(t)));
  const url = c.url ? lower(urlHostPort(c.url)) : undefined;
  // SQS without an endpoint override talks HTTPS to AWS.
  const sqs = b.provider === 'sqs' && !c.url ? { host: 'sqs.amazonaws.com', port: 443 } : undefined;
  return [...listed, url, sqs].filter((a): a is BackendAddress => a !== undefined);
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const SERVICE = /^[a-z0-9-]+\.([a-z0-9-]+)\.svc(\.[a-z0-9.-]+)?$/;

type Rule = Record<string, unknown>;

function ruleFor(a: BackendAddress): Rule {
  const ports = [{ protocol: 'TCP', port: a.port }];
  if (IPV4.test(a.host)) return { to: [{ ipBlock: { cidr: `${a.host}/32` } }], ports };
  if (a.host.includes(':')) return { to: [{ ipBlock: { cidr: `${a.host}/128` } }], ports };
  const service = SERVICE.exec(a.host);
  if (service) {
    return {
      to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': service[1] } } }],
      ports,
    };
  }
  return { ports };
}

/** Egress rules for every backend address, deduplicated and sorted so the policy is stable. */
export function backendEgressRules(backends: readonly BackendAddressSource[]): Rule[] {
  const rules = new Map<string, Rule>();
  for (const address of backends.flatMap(backendAddresses)) {
    const rule = ruleFor(address);
    rules.set(JSON.stringify(rule), rule);
  }
  return [...rules.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, r]) => r);
}
