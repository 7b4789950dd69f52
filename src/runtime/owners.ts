// Owner references for children, and the mapping from a changed child back to
// the key of the object that owns it (so a child edit re-reconciles its owner).
import type { Obj, OwnerReference } from './apply.js';
import { keyOf } from './keys.js';

export { keyOf, parseKey, type ObjectKey } from './keys.js';

/** A controller owner reference to `owner` (garbage collection + owner mapping). */
export function controllerReference(owner: Obj): OwnerReference {
  if (!owner.metadata.uid) throw new Error(`owner ${owner.kind}/${owner.metadata.name} has no uid yet`);
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

type Mapper = (obj: Obj) => string[];

/** Maps a child to its controller owner of `ownerKind` (same namespace, as owner references require). */
export function toControllerOwner(ownerKind: string, ownerGroup: string): Mapper {
  return (obj) =>
    (obj.metadata.ownerReferences ?? [])
      .filter((r) => r.controller === true && r.kind === ownerKind && groupOf(r.apiVersion) === ownerGroup)
      .map((r) => keyOf(ownerKind, obj.metadata.namespace, r.name));
}

/**
 * Maps a child to its owner through labels, for children that cannot carry an
 * owner reference (a cluster-scoped Namespace owned by a namespaced object).
 */
export function toLabelledOwner(ownerKind: string, namespaceLabel: string, nameLabel: string): Mapper {
  return (obj) => {
    const labels = obj.metadata.labels ?? {};
    const name = labels[nameLabel];
    return name ? [keyOf(ownerKind, labels[namespaceLabel] ?? '', name)] : [];
  };
}

/** Maps an object to its own key. */
export function toSelf(kind: string): Mapper {
  return (obj) => [keyOf(kind, obj.metadata.namespace, obj.metadata.name)];
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}
