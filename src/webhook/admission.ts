// AdmissionReview (admission.k8s.io/v1) as the API server sends and expects it,
// and the pure step from a request and a verdict to the response.
import type { Obj } from '../runtime/object.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface AdmissionRequest {
  uid: string;
  kind: { group: string; version: string; kind: string };
  resource: { group: string; version: string; resource: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: Operation;
  object?: Obj | null;
  oldObject?: Obj | null;
  dryRun?: boolean;
}

export interface AdmissionReview {
  apiVersion: string;
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: AdmissionResponse;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  status?: { code: number; reason?: string; message: string };
  warnings?: string[];
  patchType?: 'JSONPatch';
  /** base64 of the JSON Patch. */
  patch?: string;
}

/** One RFC 6902 operation; defaulting only ever adds fields. */
export interface PatchOperation {
  op: 'add';
  path: string;
  value: unknown;
}

/** What a handler decided: denied with the problems, or allowed with warnings and a patch. */
export interface Verdict {
  errors: string[];
  warnings: string[];
  patch?: PatchOperation[];
}

export const allow = (warnings: string[] = [], patch?: PatchOperation[]): Verdict => ({
  errors: [],
  warnings,
  ...(patch?.length ? { patch } : {}),
});

/** The API server shows status.message to the user; warnings appear as `Warning:` lines in kubectl. */
export function responseFor(request: AdmissionRequest, verdict: Verdict): AdmissionResponse {
  const warnings = verdict.warnings.length ? { warnings: verdict.warnings } : {};
  if (verdict.errors.length) {
    const kind = request.kind.kind;
    const name = request.name ?? request.object?.metadata.name ?? '';
    return {
      uid: request.uid,
      allowed: false,
      status: {
        code: 422,
        reason: 'Invalid',
        message: `${kind} ${name} is invalid: ${verdict.errors.join('; ')}`,
      },
      ...warnings,
    };
  }
  const patch = verdict.patch?.length
    ? {
        patchType: 'JSONPatch' as const,
        patch: Buffer.from(JSON.stringify(verdict.patch)).toString('base64'),
      }
    : {};
  return { uid: request.uid, allowed: true, ...warnings, ...patch };
}

export function reviewResponse(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response };
}

/** A JSON Pointer segment (RFC 6901). */
export const pointer = (...segments: (string | number)[]) =>
  segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
