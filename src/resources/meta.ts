// Names, labels and owner references of every child object come from here, so
// every child is labelled the same way. Pure: no client, no clock.
import type { Obj, ObjectMeta, OwnerReference } from '../runtime/object.js';

export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'prism-operator';
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY}`;
/** Cross-scope children (a tenant Namespace) point at their owner with these labels. */
export const OWNER_NAMESPACE_LABEL = 'prism.io/owner-namespace';
export const OWNER_NAME_LABEL = 'prism.io/owner-name';
export const OWNER_KIND_LABEL = 'prism.io/owner-kind';

/** What a builder needs to know about the custom resource that owns its output. */
export interface Owner {
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string;
  uid: string;
}

export function ownerOf(obj: Obj): Owner {
  if (!obj.metadata.uid || !obj.metadata.namespace) {
    throw new Error(`${obj.kind} ${obj.metadata.name} has no uid or namespace yet`);
  }
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    namespace: obj.metadata.namespace,
    uid: obj.metadata.uid,
  };
}

export function controllerRef(owner: Owner): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.name,
    uid: owner.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Identity labels: stable for the life of the owner, so they are safe in a
 * Deployment's immutable selector. Fields users edit (pattern, backend) never go here.
 */
export function selectorLabels(component: string, instance: string): Record<string, string> {
  return {
    'app.kubernetes.io/name': component,
    'app.kubernetes.io/instance': instance,
  };
}

/** Labels every child carries: identity, part-of and managed-by, plus extras. */
export function childLabels(
  component: string,
  instance: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...extra,
    ...selectorLabels(component, instance),
    'app.kubernetes.io/part-of': 'prism',
    [MANAGED_BY_LABEL]: MANAGED_BY,
  };
}

/** Metadata of a namespaced child owned (and garbage-collected) through an owner reference. */
export function childMeta(
  owner: Owner,
  name: string,
  component: string,
  opts: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): ObjectMeta {
  const meta: ObjectMeta = {
    name,
    namespace: owner.namespace,
    labels: childLabels(component, owner.name, opts.labels),
    ownerReferences: [controllerRef(owner)],
  };
  if (opts.annotations && Object.keys(opts.annotations).length) meta.annotations = opts.annotations;
  return meta;
}

/** Labels pointing a cross-scope child (no owner reference possible) back at its owner. */
export function ownerLabels(owner: Owner): Record<string, string> {
  return {
    [OWNER_KIND_LABEL]: owner.kind,
    [OWNER_NAMESPACE_LABEL]: owner.namespace,
    [OWNER_NAME_LABEL]: owner.name,
  };
}

/** Whether `obj` carries the owner labels of `owner`. */
export function isLabelledBy(obj: Obj, owner: Pick<Owner, 'kind' | 'namespace' | 'name'>): boolean {
  const labels = obj.metadata.labels ?? {};
  return (
    labels[OWNER_KIND_LABEL] === owner.kind &&
    labels[OWNER_NAMESPACE_LABEL] === owner.namespace &&
    labels[OWNER_NAME_LABEL] === owner.name
  );
}

/**
 * Metadata of a child that lives in another namespace than its owner (or is
 * cluster-scoped): owner labels instead of an owner reference.
 */
export function labelledChildMeta(
  owner: Owner,
  name: string,
  namespace: string | undefined,
  component: string,
  opts: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): ObjectMeta {
  const meta: ObjectMeta = {
    name,
    labels: childLabels(component, owner.name, { ...opts.labels, ...ownerLabels(owner) }),
  };
  if (namespace !== undefined) meta.namespace = namespace;
  if (opts.annotations && Object.keys(opts.annotations).length) meta.annotations = opts.annotations;
  return meta;
}
