// A coordination.k8s.io/v1 Lease as leader election reads and writes it: the
// record, how a candidate claims it, and the REST calls. MicroTime fields must
// carry exactly six fractional digits, which formatMicroTime guarantees.
import type { KubeClient } from './kube-client.js';
import { formatMicroTime } from './microtime.js';

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
  [field: string]: unknown;
}

export interface Lease {
  apiVersion: 'coordination.k8s.io/v1';
  kind: 'Lease';
  metadata: { name: string; namespace: string; resourceVersion?: string; [field: string]: unknown };
  spec?: LeaseSpec;
}

/** Who claims the Lease, for how long. */
export interface Claimant {
  identity: string;
  leaseDurationSeconds: number;
}

function record(who: Claimant, acquireTime: string, renewTime: Date): LeaseSpec {
  return {
    holderIdentity: who.identity,
    leaseDurationSeconds: who.leaseDurationSeconds,
    acquireTime,
    renewTime: formatMicroTime(renewTime),
  };
}

/** A new Lease held by `who`. */
export function newLease(namespace: string, name: string, who: Claimant, now: Date): Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace },
    spec: { ...record(who, formatMicroTime(now), now), leaseTransitions: 0 },
  };
}

/** The Lease as `who` would write it to hold it; acquireTime and transitions change only with the holder. */
export function claimLease(current: Lease, who: Claimant, now: Date): Lease {
  const spec = current.spec ?? {};
  const ours = spec.holderIdentity === who.identity;
  const transitions = spec.leaseTransitions ?? 0;
  const acquireTime = ours && spec.acquireTime ? spec.acquireTime : formatMicroTime(now);
  return {
    ...current,
    spec: {
      ...spec,
      ...record(who, acquireTime, now),
      leaseTransitions: ours ? transitions : transitions + 1,
    },
  };
}

/** The fields whose change counts as a renewal when judging another holder's lease. */
export function recordKey(spec: LeaseSpec | undefined): string {
  const s = spec ?? {};
  return JSON.stringify([
    s.holderIdentity ?? '',
    s.leaseDurationSeconds ?? 0,
    s.acquireTime ?? '',
    s.renewTime ?? '',
    s.leaseTransitions ?? 0,
  ]);
}

/** GET, PUT (with resourceVersion, so concurrent writers conflict) and POST of one Lease. */
export class LeaseStore {
  constructor(
    private readonly client: Pick<KubeClient, 'request'>,
    readonly namespace: string,
    readonly name: string,
  ) {}

  private collection(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(this.namespace)}/leases`;
  }

  private path(): string {
    return `${this.collection()}/${encodeURIComponent(this.name)}`;
  }

  get(signal: AbortSignal): Promise<Lease> {
    return this.client.request<Lease>({ method: 'GET', path: this.path(), signal });
  }

  put(lease: Lease, signal: AbortSignal): Promise<Lease> {
    return this.client.request<Lease>({ method: 'PUT', path: this.path(), body: lease, signal });
  }

  create(lease: Lease, signal: AbortSignal): Promise<Lease> {
    return this.client.request<Lease>({ method: 'POST', path: this.collection(), body: lease, signal });
  }
}
