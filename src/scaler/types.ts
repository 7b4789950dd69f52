// The scaler engine interface: pure functions from a pattern's autoscaling
// spec to the objects that scale its Deployment, and from the observed
// autoscaler back to the pattern's status. No client, no clock, no I/O.
import type { AutoscalingSpec, SecretTargetRef } from '../api/v1alpha1/common.js';
import type { ScalerStatus } from '../api/v1alpha1/prismpattern.js';
import type { Owner } from '../resources/meta.js';
import type { Obj } from '../runtime/object.js';

/** The component label of the pattern's children, so the autoscaler is labelled like the workload. */
export const DEFAULT_COMPONENT = 'prism-pattern';
/** Where the autoscaling spec lives in the custom resource; every finding's path starts here. */
export const DEFAULT_FIELD_PATH = 'spec.autoscaling';

export interface ContainerResources {
  requests?: Record<string, string | number>;
  limits?: Record<string, string | number>;
}

export interface ScaledContainer {
  name: string;
  resources?: ContainerResources;
}

export interface ScaleTarget {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  name: string;
}

export interface ScalerInput {
  /** The custom resource that owns the autoscaler (a PrismPattern). */
  owner: Owner;
  /** `enabled` is true when engines are asked. */
  spec: AutoscalingSpec;
  target: ScaleTarget;
  /** The Deployment's containers: cpu/memory targets need their requests. */
  containers: ScaledContainer[];
  /** Connection metadata derived from a PrismBackend, per trigger type; explicit metadata wins. */
  derivedMetadata?: (triggerType: string) => Record<string, string>;
  /**
   * Secret keys from a PrismBackend's secretRef, turned into TriggerAuthentication
   * secretTargetRefs for triggers that have neither authenticationRef nor secretTargetRef.
   */
  derivedSecretRefs?: (triggerType: string) => SecretTargetRef[];
  /** Defaults to `prism-pattern`. */
  component?: string;
  /**
   * Name of the autoscaler objects (HPA, ScaledObject, prefix of TriggerAuthentications);
   * defaults to owner.name. Set when the owner scales a Deployment not named after itself
   * (a PrismStack's <stack>-proxy).
   */
  name?: string;
  /** Extra labels of the autoscaler objects (e.g. the stack a proxy belongs to). */
  labels?: Record<string, string>;
  /** Defaults to `spec.autoscaling`; findings name fields under it. */
  fieldPath?: string;
}

export type Severity = 'error' | 'warning';

export interface Finding {
  /** The field at fault, e.g. `spec.autoscaling.triggers[1].metadata.lagThreshold`. */
  path: string;
  /** Starts with the path and says what to do; shown in conditions, events and logs. */
  message: string;
  severity: Severity;
  /** CamelCase, usable as a condition or event reason. */
  reason: string;
}

export interface EngineKind {
  apiVersion: string;
  kind: string;
  /** True for objects that scale the workload (HPA, ScaledObject); false for support objects. */
  scalesWorkload: boolean;
}

export interface ScalerEngine {
  readonly name: string;
  /** apiVersion/kind of every object this engine may create (the reconciler watches and deletes them). */
  readonly kinds: readonly EngineKind[];
  /** False when the engine cannot bring a Deployment back from 0 replicas (a plain HPA). */
  readonly scalesFromZero: boolean;
  validate(input: ScalerInput): Finding[];
  /** The objects to apply; call only when validate() returned no errors. */
  desired(input: ScalerInput): Obj[];
  status(observed: Obj | undefined, input: ScalerInput): ScalerStatus | undefined;
  /**
   * Objects the engine's own controller creates for this owner (KEDA's HPA). They go
   * away with the engine's object; the switch waits for them and deletes them only when orphaned.
   */
  createdForOwner?(obj: Obj, owner: Owner, name?: string): boolean;
}
