// A tiny external.metrics.k8s.io/v1beta1 server for e2e tests: HTTPS on
// 127.0.0.1, metric values set by the test, registered with the aggregator
// through an APIService and an ExternalName Service to localhost (no
// kube-proxy or endpoints are needed; see reference/controlplane.md §4b).
// Requests are not authenticated: the server only ever listens on loopback.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCA, issueCert } from '../../src/runtime/pki.js';
import {
  aggregatedApiObjects,
  apiServiceName,
  EXTERNAL_METRICS,
  serviceDnsName,
  type AggregatedApi,
} from '../../src/controlplane/aggregated-api.js';
import { applyObjects, type Kubectl } from '../../src/controlplane/kubectl.js';

const GROUP_VERSION = `${EXTERNAL_METRICS.group}/${EXTERNAL_METRICS.version}`;
/** The ExternalName Service the APIService points at. */
const SERVICE = { namespace: 'kube-system', serviceName: 'prism-test-external-metrics' };

type Json = Record<string, unknown>;

export class ExternalMetricsServer {
  private readonly values = new Map<string, number>();
  /** Every metric query answered, newest last (tests check the HPA really asked). */
  readonly queries: { namespace: string; metric: string; at: number }[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly caPem: string,
  ) {}

  static async start(): Promise<ExternalMetricsServer> {
    const ca = await createCA('prism-test-external-metrics-ca');
    const serving = await issueCert(ca, {
      commonName: SERVICE.serviceName,
      usage: 'server',
      dnsNames: [serviceDnsName(SERVICE), 'localhost'],
      ipAddresses: ['127.0.0.1'],
    });
    const handler: { serve?: (req: IncomingMessage, res: ServerResponse) => void } = {};
    const server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      handler.serve?.(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const self = new ExternalMetricsServer(server, (server.address() as AddressInfo).port, ca.certPem);
    handler.serve = (req, res) => {
      self.handle(req, res);
    };
    return self;
  }

  private get api(): AggregatedApi {
    return { ...EXTERNAL_METRICS, ...SERVICE, port: this.port, caPem: this.caPem };
  }

  /** Sets the value every namespace sees for `metric` (label selectors are ignored). */
  set(metric: string, value: number): void {
    this.values.set(metric, value);
  }

  /** Registers this server as the cluster's external metrics API and waits until it is Available. */
  async register(kubectl: Kubectl): Promise<void> {
    await applyObjects(kubectl, 'prism-tests', aggregatedApiObjects(this.api));
    await kubectl(
      'wait',
      '--for=condition=Available',
      '--timeout=60s',
      `apiservice/${apiServiceName(EXTERNAL_METRICS)}`,
    );
  }

  async unregister(kubectl: Kubectl): Promise<void> {
    await kubectl('delete', '--ignore-not-found', 'apiservice', apiServiceName(EXTERNAL_METRICS));
    await kubectl('delete', '--ignore-not-found', '-n', SERVICE.namespace, 'service', SERVICE.serviceName);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'https://localhost').pathname.replace(/\/$/, '');
    const send = (status: number, body: Json) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const discovery = {
      '/apis': () => this.groupList(),
      [`/apis/${EXTERNAL_METRICS.group}`]: () => this.group(),
      [`/apis/${GROUP_VERSION}`]: () => this.resourceList(),
    }[path];
    if (discovery) {
      send(200, discovery());
      return;
    }
    const m = new RegExp(`^/apis/${GROUP_VERSION}/namespaces/([^/]+)/([^/]+)$`).exec(path);
    const value = m ? this.values.get(m[2]!) : undefined;
    if (!m || value === undefined) {
      send(404, {
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Failure',
        reason: 'NotFound',
        code: 404,
        message: `no external metric at ${path}`,
      });
      return;
    }
    this.queries.push({ namespace: m[1]!, metric: m[2]!, at: Date.now() });
    send(200, {
      kind: 'ExternalMetricValueList',
      apiVersion: GROUP_VERSION,
      metadata: {},
      items: [
        { metricName: m[2], metricLabels: {}, timestamp: new Date().toISOString(), value: String(value) },
      ],
    });
  }

  private group(): Json {
    const version = { groupVersion: GROUP_VERSION, version: EXTERNAL_METRICS.version };
    return {
      kind: 'APIGroup',
      apiVersion: 'v1',
      name: EXTERNAL_METRICS.group,
      versions: [version],
      preferredVersion: version,
    };
  }

  private groupList(): Json {
    return { kind: 'APIGroupList', apiVersion: 'v1', groups: [this.group()] };
  }

  private resourceList(): Json {
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: GROUP_VERSION,
      resources: [...this.values.keys()].map((name) => ({
        name,
        singularName: '',
        namespaced: true,
        kind: 'ExternalMetricValueList',
        verbs: ['get'],
      })),
    };
  }
}
