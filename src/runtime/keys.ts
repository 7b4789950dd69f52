// Work-queue keys: `Kind/namespace/name`, with an empty namespace for
// cluster-scoped objects. One queue serves every reconciler, so the kind
// travels in the key and picks the reconciler (and the metrics label).

export interface ObjectKey {
  kind: string;
  namespace: string;
  name: string;
}

export function keyOf(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

export function parseKey(key: string): ObjectKey {
  const parts = key.split('/');
  if (parts.length !== 3 || !parts[0] || !parts[2]) {
    throw new Error(`malformed key ${key}: expected Kind/namespace/name`);
  }
  return { kind: parts[0], namespace: parts[1] ?? '', name: parts[2] };
}

/** controller-runtime labels metrics by the lower-cased kind. */
export function controllerName(kind: string): string {
  return kind.toLowerCase();
}

/** `PrismPattern/ns/a` → `prismpattern`. */
export function controllerOfKey(key: string): string {
  const slash = key.indexOf('/');
  return controllerName(slash < 0 ? key : key.slice(0, slash));
}
