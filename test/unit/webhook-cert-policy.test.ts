import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { createCA, issueCert } from '../../src/runtime/pki.js';
import {
  certDecision,
  nextCaBundle,
  renewAt,
  splitPem,
  type StoredCert,
} from '../../src/webhook/cert-policy.js';

const HOSTS = ['prism-operator-webhook.prism-system.svc', '127.0.0.1'];
const DAY = 24 * 60 * 60 * 1000;

async function aStoredCert(opts: { hosts?: string[]; validDays?: number } = {}): Promise<StoredCert> {
  const ca = await createCA('test-webhook-ca', opts.validDays ?? 30);
  const hosts = opts.hosts ?? HOSTS;
  const cert = await issueCert(ca, {
    commonName: hosts[0] ?? 'x',
    usage: 'server',
    dnsNames: hosts.filter((h) => !/^\d/.test(h)),
    ipAddresses: hosts.filter((h) => /^\d/.test(h)),
    validDays: opts.validDays ?? 30,
  });
  return { caPem: ca.certPem, certPem: cert.certPem, keyPem: cert.keyPem };
}

const notAfter = (pem: string) => new Date(new X509Certificate(pem).validTo);

describe('the webhook certificate policy', () => {
  it('issues when nothing is stored', () => {
    expect(certDecision(undefined, HOSTS, 30 * DAY, new Date())).to.include({
      issue: true,
      reason: 'NoCertificate',
    });
  });

  it('reuses a stored certificate that chains to its CA, names every host and is not due', async () => {
    const stored = await aStoredCert();
    expect(certDecision(stored, HOSTS, 30 * DAY, new Date())).to.include({ issue: false, reason: 'Valid' });
  });

  it('renews once less than a third of the validity is left', async () => {
    const stored = await aStoredCert();
    const due = renewAt(notAfter(stored.certPem), 30 * DAY);
    expect(notAfter(stored.certPem).getTime() - due.getTime()).to.equal(10 * DAY);
    expect(certDecision(stored, HOSTS, 30 * DAY, new Date(due.getTime() - 1000)).issue).to.equal(false);
    expect(certDecision(stored, HOSTS, 30 * DAY, due)).to.include({ issue: true, reason: 'DueForRenewal' });
  });

  it('issues again when the certificate does not name a host the Service now has', async () => {
    const stored = await aStoredCert({ hosts: ['old-name.prism-system.svc'] });
    const d = certDecision(stored, HOSTS, 30 * DAY, new Date());
    expect(d).to.include({ issue: true, reason: 'HostsChanged' });
    expect(d.message).to.include('prism-operator-webhook.prism-system.svc, 127.0.0.1');
  });

  it('issues again when the certificate, CA and key do not belong together', async () => {
    const a = await aStoredCert();
    const b = await aStoredCert();
    expect(certDecision({ ...a, caPem: b.caPem }, HOSTS, 30 * DAY, new Date()).reason).to.equal('Unusable');
    expect(certDecision({ ...a, keyPem: b.keyPem }, HOSTS, 30 * DAY, new Date()).reason).to.equal('Unusable');
    expect(certDecision({ ...a, certPem: 'garbage' }, HOSTS, 30 * DAY, new Date()).reason).to.equal(
      'Unusable',
    );
  });

  it('keeps trusting the CA of the certificate being replaced until that certificate expires', async () => {
    const old = await aStoredCert();
    const fresh = await aStoredCert();
    const bundle = nextCaBundle(fresh.caPem, old, new Date());
    expect(splitPem(bundle)).to.deep.equal([fresh.caPem.trim(), old.caPem.trim()]);
    const afterExpiry = new Date(notAfter(old.certPem).getTime() + 1000);
    expect(splitPem(nextCaBundle(fresh.caPem, old, afterExpiry))).to.deep.equal([fresh.caPem.trim()]);
    expect(splitPem(nextCaBundle(fresh.caPem, undefined, new Date()))).to.deep.equal([fresh.caPem.trim()]);
  });
});
