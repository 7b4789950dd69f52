// The shape of Kubernetes objects as the runtime handles them: plain JSON with
// typed metadata. Everything else in an object is reconciler-specific.

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  deletionTimestamp?: string;
  managedFields?: unknown[];
}

/** An object as read from the API (type fields may be absent in list items). */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** An object with its type fields, as written to the API. */
export interface Obj extends KubeObject {
  apiVersion: string;
  kind: string;
}
