// The informer's cache and the pure pieces around it: the object store with
// named indexes, relist diffing, and the transform that drops what
// reconcilers never read. No I/O here.
import type { KubeObject } from './object.js';

export type IndexFn<T> = (obj: T) => string[];

export const OWNER_INDEX = 'owner';
export const NAMESPACE_INDEX = 'namespace';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

/** The default transform: drops what reconcilers never read (managedFields is over half an object). */
export function stripForCache(obj: KubeObject): KubeObject {
  delete obj.metadata.managedFields;
  if (obj.metadata.annotations && LAST_APPLIED in obj.metadata.annotations) {
    const { [LAST_APPLIED]: _dropped, ...rest } = obj.metadata.annotations;
    obj.metadata.annotations = rest;
  }
  return obj;
}

/** Capped exponential backoff with jitter: a delay in [base/2, base], base = initial·2^attempt ≤ max. */
export function backoffDelay(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base / 2 + (base / 2) * random());
}

/** A random server-side watch timeout in [300, 600) s, as client-go picks one. */
export function randomWatchTimeoutSeconds(random: () => number = Math.random): number {
  return 300 + Math.floor(random() * 300);
}

export function objectKey(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

const keyOf = (obj: KubeObject): string => objectKey(obj.metadata.namespace, obj.metadata.name);

export interface RelistDiff<T> {
  added: T[];
  updated: { old: T; cur: T }[];
  deleted: T[];
}

/** What a relist changes: new objects, objects whose resourceVersion moved, objects that vanished. */
export function diffRelist<T extends KubeObject>(
  before: ReadonlyMap<string, T>,
  after: ReadonlyMap<string, T>,
): RelistDiff<T> {
  const diff: RelistDiff<T> = { added: [], updated: [], deleted: [] };
  for (const [key, cur] of after) {
    const old = before.get(key);
    if (!old) diff.added.push(cur);
    else if (old.metadata.resourceVersion !== cur.metadata.resourceVersion) diff.updated.push({ old, cur });
  }
  for (const [key, old] of before) if (!after.has(key)) diff.deleted.push(old);
  return diff;
}

interface Index<T> {
  fn: IndexFn<T>;
  keys: Map<string, Set<string>>;
}

/** The cache: objects by namespace/name, plus named indexes kept in step on every change. */
export class ObjectStore<T extends KubeObject> {
  private items = new Map<string, T>();
  private readonly indexes = new Map<string, Index<T>>();

  constructor() {
    this.addIndex(NAMESPACE_INDEX, (o) => [o.metadata.namespace ?? '']);
    this.addIndex(OWNER_INDEX, (o) => (o.metadata.ownerReferences ?? []).map((r) => r.uid));
  }

  get size(): number {
    return this.items.size;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.items.get(objectKey(namespace, name));
  }

  list(namespace?: string): T[] {
    return namespace === undefined ? [...this.items.values()] : this.byIndex(NAMESPACE_INDEX, namespace);
  }

  addIndex(name: string, fn: IndexFn<T>): void {
    if (this.indexes.has(name)) throw new Error(`index ${name} already exists`);
    const index: Index<T> = { fn, keys: new Map() };
    this.indexes.set(name, index);
    for (const [key, obj] of this.items) indexAdd(index, key, obj);
  }

  byIndex(name: string, value: string): T[] {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index named ${name}`);
    return [...(index.keys.get(value) ?? [])].map((key) => this.items.get(key)!);
  }

  /** Stores obj; returns the object it replaced. */
  upsert(obj: T): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (old) for (const index of this.indexes.values()) indexRemove(index, key, old);
    this.items.set(key, obj);
    for (const index of this.indexes.values()) indexAdd(index, key, obj);
    return old;
  }

  /** Removes the object with obj's namespace/name; returns what was stored. */
  remove(obj: KubeObject): T | undefined {
    const key = keyOf(obj);
    const old = this.items.get(key);
    if (!old) return undefined;
    for (const index of this.indexes.values()) indexRemove(index, key, old);
    this.items.delete(key);
    return old;
  }

  /**
   * Replaces the whole content (a relist), or only one namespace's objects
   * when `namespace` is given (one loop of a multi-namespace informer), and
   * returns what changed.
   */
  replace(objects: T[], namespace?: string): RelistDiff<T> {
    if (namespace !== undefined) return this.replaceNamespace(objects, namespace);
    const next = new Map(objects.map((o) => [keyOf(o), o]));
    const diff = diffRelist(this.items, next);
    this.items = next;
    for (const index of this.indexes.values()) {
      index.keys.clear();
      for (const [key, obj] of next) indexAdd(index, key, obj);
    }
    return diff;
  }

  private replaceNamespace(objects: T[], namespace: string): RelistDiff<T> {
    const before = new Map(this.list(namespace).map((o) => [keyOf(o), o]));
    const diff = diffRelist(before, new Map(objects.map((o) => [keyOf(o), o])));
    for (const obj of diff.deleted) this.remove(obj);
    for (const obj of diff.added) this.upsert(obj);
    for (const { cur } of diff.updated) this.upsert(cur);
    return diff;
  }
}

function indexAdd<T>(index: Index<T>, key: string, obj: T): void {
  for (const value of index.fn(obj)) {
    let keys = index.keys.get(value);
    if (!keys) index.keys.set(value, (keys = new Set()));
    keys.add(key);
  }
}

function indexRemove<T>(index: Index<T>, key: string, obj: T): void {
  for (const value of index.fn(obj)) {
    const keys = index.keys.get(value);
    keys?.delete(key);
    if (keys?.size === 0) index.keys.delete(value);
  }
}
