// Findings: what validation tells the user, each naming the field at fault.
import type { Finding } from './types.js';

/** Condition and event reasons of findings. */
export const Reason = {
  InvalidAutoscaling: 'InvalidAutoscaling',
  InvalidMetric: 'InvalidMetric',
  InvalidBehavior: 'InvalidBehavior',
  InvalidTrigger: 'InvalidTrigger',
  DeprecatedTriggerForm: 'DeprecatedTriggerForm',
  UnknownTriggerType: 'UnknownTriggerType',
  UnknownTriggerParameter: 'UnknownTriggerParameter',
  SecretInMetadata: 'SecretInMetadata',
  IgnoredField: 'IgnoredField',
  EmptyPolicyList: 'EmptyPolicyList',
  MissingResourceRequests: 'MissingResourceRequests',
} as const;

export function error(path: string, reason: string, problem: string): Finding {
  return { path, reason, severity: 'error', message: `${path}: ${problem}` };
}

export function warning(path: string, reason: string, problem: string): Finding {
  return { path, reason, severity: 'warning', message: `${path}: ${problem}` };
}

export const errorsOf = (findings: readonly Finding[]) => findings.filter((f) => f.severity === 'error');
export const warningsOf = (findings: readonly Finding[]) => findings.filter((f) => f.severity === 'warning');

/** The reason and message a condition shows: the first error, with a count of the others. */
export function summarize(findings: readonly Finding[]): { reason: string; message: string } | undefined {
  const errors = errorsOf(findings);
  const first = errors[0];
  if (!first) return undefined;
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
  return { reason: first.reason, message: `${first.message}${more}` };
}

/** A failure with a reason, so the reconciler can turn it into a condition and an event. */
export class ScalerError extends Error {
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScalerError';
  }
}

function joinList(items: readonly string[], word: string): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${word} ${items[items.length - 1]!}`;
}

/** `a`, `a or b`, `a, b or c`. */
export const orList = (items: readonly string[]) => joinList(items, 'or');
/** `a`, `a and b`, `a, b and c`. */
export const andList = (items: readonly string[]) => joinList(items, 'and');

/** JSON-quoted value for messages: `got "abc"`. */
export const quote = (value: unknown) => JSON.stringify(value);
