// Maps apiVersion + kind to a REST resource (plural, scope) through API
// discovery, cached per group/version. A group/version that is not served
// (e.g. KEDA's CRDs not installed) is remembered briefly so callers can poll
// for it cheaply and pick it up as soon as it appears.
import { KubeApiError, type KubeClient } from './kube-client.js';

export interface ResourceInfo {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

interface ApiResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

/** Thrown when the API server does not serve the kind (its CRD is not installed). */
export class KindNotServedError extends KubeApiError {
  constructor(apiVersion: string, kind: string) {
    super(404, 'KindNotServed', `the API server does not serve ${kind} in ${apiVersion}`);
    this.name = 'KindNotServedError';
  }
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const i = apiVersion.indexOf('/');
  return i < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, i), version: apiVersion.slice(i + 1) };
}

export function collectionPath(r: ResourceInfo, namespace?: string): string {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  return r.namespaced && namespace ? `${base}/namespaces/${namespace}/${r.plural}` : `${base}/${r.plural}`;
}

export function objectPath(
  r: ResourceInfo,
  namespace: string | undefined,
  name: string,
  subresource?: string,
): string {
  const path = `${collectionPath(r, namespace)}/${encodeURIComponent(name)}`;
  return subresource ? `${path}/${subresource}` : path;
}

interface CacheEntry {
  byKind: Map<string, ResourceInfo> | undefined; // undefined: group/version not served
  fetchedAt: number;
}

export class RestMapper {
  private readonly cache = new Map<string, CacheEntry>();
  private readonly inflight = new Map<string, Promise<CacheEntry>>();

  constructor(
    private readonly client: KubeClient,
    /** How long "not served" is believed before asking again. */
    private readonly negativeTtlMs = 5_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seeds a mapping without discovery (for kinds the caller knows, e.g. its own CRDs). */
  register(info: ResourceInfo): void {
    const gv = info.group ? `${info.group}/${info.version}` : info.version;
    const entry = this.cache.get(gv);
    const byKind = entry?.byKind ?? new Map<string, ResourceInfo>();
    byKind.set(info.kind, info);
    this.cache.set(gv, { byKind, fetchedAt: this.now() });
  }

  async resourceFor(apiVersion: string, kind: string): Promise<ResourceInfo> {
    let entry = await this.entry(apiVersion, false);
    let info = entry.byKind?.get(kind);
    if (!info && entry.byKind) {
      // A known group/version without the kind: a CRD version may have been added since.
      entry = await this.entry(apiVersion, true);
      info = entry.byKind?.get(kind);
    }
    if (!info) throw new KindNotServedError(apiVersion, kind);
    return info;
  }

  /** True when the API server serves the kind (no throw). */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    try {
      await this.resourceFor(apiVersion, kind);
      return true;
    } catch (err) {
      if (err instanceof KindNotServedError) return false;
      throw err;
    }
  }

  invalidate(apiVersion?: string): void {
    if (apiVersion) this.cache.delete(apiVersion);
    else this.cache.clear();
  }

  private async entry(apiVersion: string, refresh: boolean): Promise<CacheEntry> {
    const cached = this.cache.get(apiVersion);
    const fresh =
      cached && (cached.byKind !== undefined || this.now() - cached.fetchedAt < this.negativeTtlMs);
    if (cached && fresh && !refresh) return cached;
    const pending = this.inflight.get(apiVersion);
    if (pending) return pending;
    const p = this.discover(apiVersion).finally(() => this.inflight.delete(apiVersion));
    this.inflight.set(apiVersion, p);
    return p;
  }

  private async discover(apiVersion: string): Promise<CacheEntry> {
    const { group, version } = splitApiVersion(apiVersion);
    const path = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
    let entry: CacheEntry;
    try {
      const list = await this.client.request<ApiResourceList>({ method: 'GET', path });
      const byKind = new Map<string, ResourceInfo>();
      for (const r of list.resources) {
        if (r.name.includes('/')) continue; // subresources
        byKind.set(r.kind, { group, version, kind: r.kind, plural: r.name, namespaced: r.namespaced });
      }
      entry = { byKind, fetchedAt: this.now() };
    } catch (err) {
      if (!(err instanceof KubeApiError && err.code === 404)) throw err;
      entry = { byKind: undefined, fetchedAt: this.now() };
    }
    this.cache.set(apiVersion, entry);
    return entry;
  }
}
