// Decisions about the webhook's serving certificate, as pure functions: is the
// stored one usable, when must it be renewed, which CAs the API server must trust.
// No I/O, no clock of their own: `now` is an argument.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { isIP } from 'node:net';

/** What the Secret holds (kubernetes.io/tls, plus ca.crt: the CA bundle for caBundle). */
export interface StoredCert {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export interface CertDecision {
  issue: boolean;
  /** CamelCase, for logs. */
  reason: string;
  message: string;
}

/** Renew once less than a third of the validity is left (cert-manager's default ratio). */
export function renewAt(notAfter: Date, validityMs: number): Date {
  return new Date(notAfter.getTime() - Math.floor(validityMs / 3));
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle, in order. */
export function splitPem(bundle: string): string[] {
  return bundle.match(PEM_CERT) ?? [];
}

function parse(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

const names = (host: string, cert: X509Certificate) =>
  isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host, { wildcards: false }) !== undefined;

const decision = (issue: boolean, reason: string, message: string): CertDecision => ({
  issue,
  reason,
  message,
});

/** The first policy that fires decides: a certificate is reused only when nothing is wrong with it. */
export function certDecision(
  stored: StoredCert | undefined,
  hosts: readonly string[],
  validityMs: number,
  now: Date,
): CertDecision {
  if (!stored?.certPem || !stored.keyPem || !stored.caPem)
    return decision(true, 'NoCertificate', 'no serving certificate is stored yet');
  const cert = parse(stored.certPem);
  const ca = splitPem(stored.caPem)
    .map(parse)
    .find((c) => c && cert?.checkIssued(c) && cert.verify(c.publicKey));
  if (!cert || !ca)
    return decision(true, 'Unusable', 'the stored certificate does not chain to the stored CA');
  try {
    if (!cert.checkPrivateKey(createPrivateKey(stored.keyPem)))
      return decision(true, 'Unusable', 'the stored key does not belong to the certificate');
  } catch {
    return decision(true, 'Unusable', 'the stored key cannot be read');
  }
  const missing = hosts.filter((h) => !names(h, cert));
  if (missing.length)
    return decision(true, 'HostsChanged', `the certificate does not name ${missing.join(', ')}`);
  const due = renewAt(new Date(cert.validTo), validityMs);
  if (now >= due)
    return decision(true, 'DueForRenewal', `the certificate was due for renewal at ${due.toISOString()}`);
  return decision(false, 'Valid', `valid until ${new Date(cert.validTo).toISOString()}`);
}

/** When the certificate in `certPem` must be renewed. */
export function renewalTime(certPem: string, validityMs: number): Date {
  return renewAt(new Date(new X509Certificate(certPem).validTo), validityMs);
}

/**
 * The CA bundle after a renewal: the new CA, plus the CA of the certificate being
 * replaced while that certificate is still valid, since other replicas may serve
 * it until they pick up the new one.
 */
export function nextCaBundle(newCaPem: string, previous: StoredCert | undefined, now: Date): string {
  const oldCert = previous && parse(previous.certPem);
  const oldCa =
    oldCert && new Date(oldCert.validTo) > now
      ? splitPem(previous.caPem).find((pem) => {
          const ca = parse(pem);
          return ca !== undefined && oldCert.checkIssued(ca);
        })
      : undefined;
  return [newCaPem.trim(), ...(oldCa ? [oldCa] : [])].join('\n') + '\n';
}
