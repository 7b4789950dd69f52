// Registering a server on 127.0.0.1 as an aggregated API of the local control
// plane. With no kube-proxy and no endpoints controller, the aggregator reaches
// it through a Service of type ExternalName to localhost: its resolver maps that
// to https://localhost:<APIService port> and checks the serving certificate for
// <service>.<namespace>.svc (reference/controlplane.md §4b).

export interface AggregatedApi {
  group: string;
  version: string;
  /** Namespace and name of the ExternalName Service; the serving cert needs `<name>.<namespace>.svc`. */
  namespace: string;
  serviceName: string;
  port: number;
  /** CA that signed the server's certificate. */
  caPem: string;
}

export const EXTERNAL_METRICS = { group: 'external.metrics.k8s.io', version: 'v1beta1' } as const;

export const apiServiceName = (api: Pick<AggregatedApi, 'group' | 'version'>) =>
  `${api.version}.${api.group}`;

/** The DNS name the aggregator expects in the server's certificate. */
export const serviceDnsName = (api: Pick<AggregatedApi, 'namespace' | 'serviceName'>) =>
  `${api.serviceName}.${api.namespace}.svc`;

/** The ExternalName Service and the APIService that route the group/version to the server. */
export function aggregatedApiObjects(api: AggregatedApi): object[] {
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { namespace: api.namespace, name: api.serviceName },
      spec: { type: 'ExternalName', externalName: 'localhost' },
    },
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: apiServiceName(api) },
      spec: {
        group: api.group,
        version: api.version,
        groupPriorityMinimum: 100,
        versionPriority: 100,
        service: { namespace: api.namespace, name: api.serviceName, port: api.port },
        caBundle: Buffer.from(api.caPem).toString('base64'),
      },
    },
  ];
}
