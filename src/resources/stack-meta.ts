// Names and labels of a PrismStack's children, in one place. Pure.
import type { ObservabilitySpec, PrismStackSpec } from '../api/v1alpha1/prismstack.js';

export const PROXY_COMPONENT = 'prism-proxy';
export const ADMIN_COMPONENT = 'prism-admin';
/** Component label of the PrismPatterns, PrismBackends and PrismNamespaces a stack creates. */
export const STACK_COMPONENT = 'prism-stack';
/** Every child of a stack carries the stack's name here. */
export const STACK_LABEL = 'prism.io/stack';
/** Child custom resources carry their entry name here. */
export const STACK_ENTRY_LABEL = 'prism.io/stack-entry';

export const DEFAULT_PROXY_PORT = 8980;
export const DEFAULT_ADMIN_PORT = 8981;
export const DEFAULT_METRICS_PORT = 9090;

export const childName = (stack: string, entry: string) => `${stack}-${entry}`;
export const proxyName = (stack: string) => childName(stack, 'proxy');
export const adminName = (stack: string) => childName(stack, 'admin');
export const proxyConfigName = (stack: string) => `${proxyName(stack)}-config`;
export const leaderElectionRoleName = (stack: string) => `${adminName(stack)}-leader-election`;

export const stackLabels = (stack: string) => ({ [STACK_LABEL]: stack });

export const metricsPort = (o: ObservabilitySpec | undefined) => o?.metricsPort ?? DEFAULT_METRICS_PORT;
export const proxyPort = (spec: PrismStackSpec) => spec.proxy.port ?? DEFAULT_PROXY_PORT;
export const adminPort = (spec: PrismStackSpec) => spec.admin?.port ?? DEFAULT_ADMIN_PORT;

/** The admin runs unless the spec leaves it out or disables it. */
export const adminEnabled = (spec: PrismStackSpec): boolean =>
  spec.admin !== undefined && spec.admin.enabled !== false;

/** Where proxies reach the admin, inside the cluster. */
export const adminEndpoint = (stack: string, namespace: string, spec: PrismStackSpec) =>
  `${adminName(stack)}.${namespace}.svc:${spec.admin?.service?.port ?? adminPort(spec)}`;
