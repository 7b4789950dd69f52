// Whether a tenant Namespace lets a PrismPattern run: every PrismNamespace that
// manages the pattern's namespace may limit the pattern names and the backend
// types. Pure; the first rule that refuses decides (pattern before backend).

export interface TenantPolicy {
  /** `namespace/name` of the PrismNamespace, for the message. */
  tenant: string;
  allowedPatterns?: readonly string[];
  allowedBackends?: readonly string[];
}

export interface PatternRequest {
  pattern: string;
  backend: string;
}

export interface PolicyRefusal {
  reason: 'PatternNotAllowed' | 'BackendNotAllowed';
  message: string;
}

/** An empty or missing list allows everything. */
const allows = (list: readonly string[] | undefined, value: string) => !list?.length || list.includes(value);

type Rule = (req: PatternRequest, policy: TenantPolicy) => PolicyRefusal | undefined;

const patternAllowed: Rule = (req, p) =>
  allows(p.allowedPatterns, req.pattern)
    ? undefined
    : {
        reason: 'PatternNotAllowed',
        message: `pattern ${req.pattern} is not allowed in this namespace by PrismNamespace ${p.tenant} (allowed: ${p.allowedPatterns!.join(', ')}); use an allowed pattern or ask the tenant's owner to add it to allowedPatterns`,
      };

const backendAllowed: Rule = (req, p) =>
  allows(p.allowedBackends, req.backend)
    ? undefined
    : {
        reason: 'BackendNotAllowed',
        message: `backend ${req.backend} is not allowed in this namespace by PrismNamespace ${p.tenant} (allowed: ${p.allowedBackends!.join(', ')}); use an allowed backend or ask the tenant's owner to add it to allowedBackends`,
      };

const RULES: readonly Rule[] = [patternAllowed, backendAllowed];

export function checkTenantPolicy(
  req: PatternRequest,
  policies: readonly TenantPolicy[],
): PolicyRefusal | undefined {
  for (const rule of RULES) {
    for (const policy of policies) {
      const refusal = rule(req, policy);
      if (refusal) return refusal;
    }
  }
  return undefined;
}
