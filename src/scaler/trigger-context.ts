// A trigger after its metadata is resolved (derived metadata merged under the
// explicit one, values turned into strings), and the questions rules ask of it.
import type { SecretTargetRef, TriggerSpec } from '../api/v1alpha1/common.js';
import { error, Reason, warning } from './findings.js';
import { goTrue, type FormatName } from './formats.js';
import type { Finding, ScaledContainer } from './types.js';

export interface ResolvedTrigger {
  index: number;
  /** e.g. `spec.autoscaling.triggers[1]`. */
  path: string;
  spec: TriggerSpec;
  type: string;
  /** Every value a string, exactly what the ScaledObject carries. */
  metadata: Record<string, string>;
  metricType?: string;
  /** What the generated TriggerAuthentication holds (explicit or derived); empty when none is generated. */
  secretRefs: SecretTargetRef[];
  /** Problems found while resolving (non-scalar values, the deprecated cpu/memory form). */
  findings: Finding[];
}

/** How KEDA reads one metadata parameter of a scaler. */
export interface ParamSpec {
  format?: FormatName;
  enum?: readonly string[];
  required?: boolean;
  /** `<key>FromEnv` may name an env var of the scale target's container instead. */
  env?: boolean;
  /** A TriggerAuthentication may supply it. */
  auth?: boolean;
  /** Read only from a TriggerAuthentication (or `<key>FromEnv` when env): refused in plain metadata. */
  authOnly?: boolean;
  /** A credential KEDA also reads from plain metadata, where everyone can read it. */
  sensitive?: boolean;
  /** What to use instead. */
  deprecated?: string;
}

export type ParamTable = Readonly<Record<string, ParamSpec>>;

export class TriggerContext {
  constructor(
    readonly trigger: ResolvedTrigger,
    readonly containers: readonly ScaledContainer[],
    readonly params: ParamTable = {},
  ) {}

  get path(): string {
    return this.trigger.path;
  }

  /** False when an authenticationRef points at a TriggerAuthentication whose contents are unknown here. */
  get authKnown(): boolean {
    return this.trigger.spec.authenticationRef === undefined;
  }

  /** A non-blank metadata value (KEDA treats blank values as missing). */
  meta(key: string): string | undefined {
    const v = this.trigger.metadata[key];
    return v === undefined || v.trim() === '' ? undefined : v;
  }

  inMeta(key: string): boolean {
    return this.meta(key) !== undefined;
  }

  /** Whether the generated TriggerAuthentication supplies `param`. */
  inAuth(param: string): boolean {
    return this.trigger.secretRefs.some((r) => r.parameter === param);
  }

  /** Set in metadata, as `<key>FromEnv`, or (possibly) by a TriggerAuthentication, where KEDA reads it there. */
  provided(key: string): boolean {
    const spec = this.params[key] ?? {};
    if (this.inMeta(key) || (spec.env === true && this.inMeta(`${key}FromEnv`))) return true;
    return spec.auth === true && (this.inAuth(key) || !this.authKnown);
  }

  isTrue(key: string): boolean {
    return goTrue(this.meta(key));
  }

  error(field: string, problem: string): Finding {
    return error(this.fieldPath(field), Reason.InvalidTrigger, problem);
  }

  warning(field: string, reason: string, problem: string): Finding {
    return warning(this.fieldPath(field), reason, problem);
  }

  /** `metadata.x` for a metadata key, the trigger itself for '', anything else as given (metricType). */
  private fieldPath(field: string): string {
    if (field === '') return this.path;
    return field.startsWith('.') ? `${this.path}${field}` : `${this.path}.metadata.${field}`;
  }
}

export type TriggerRule = (t: TriggerContext) => Finding[];
