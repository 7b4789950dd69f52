import { expect } from 'chai';
import { X509Certificate, createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { createCA, createSigningKey, issueCert } from '../../src/runtime/pki.js';

describe('pki', () => {
  it('issues a serving certificate that chains to its CA and names its hosts', async () => {
    const ca = await createCA('test-ca');
    const serving = await issueCert(ca, {
      commonName: 'kube-apiserver',
      usage: 'server',
      dnsNames: ['localhost', 'svc.ns.svc'],
      ipAddresses: ['127.0.0.1'],
    });
    const caCert = new X509Certificate(ca.certPem);
    const cert = new X509Certificate(serving.certPem);
    expect(caCert.ca).to.equal(true);
    expect(cert.ca).to.equal(false);
    expect(cert.checkIssued(caCert)).to.equal(true);
    expect(cert.verify(caCert.publicKey)).to.equal(true);
    expect(cert.checkHost('svc.ns.svc')).to.equal('svc.ns.svc');
    expect(cert.checkIP('127.0.0.1')).to.equal('127.0.0.1');
    expect(cert.checkHost('other.example')).to.equal(undefined);
    expect(cert.keyUsage).to.include('1.3.6.1.5.5.7.3.1');
    expect(cert.keyUsage).not.to.include('1.3.6.1.5.5.7.3.2');
    // The private key belongs to the certificate.
    const sig = sign('sha256', Buffer.from('x'), createPrivateKey(serving.keyPem));
    expect(verify('sha256', Buffer.from('x'), cert.publicKey, sig)).to.equal(true);
  });

  it('puts client groups in the organization of a client certificate', async () => {
    const ca = await createCA('test-ca');
    const admin = await issueCert(ca, {
      commonName: 'admin',
      organizations: ['system:masters'],
      usage: 'client',
    });
    const cert = new X509Certificate(admin.certPem);
    expect(cert.subject).to.include('CN=admin');
    expect(cert.subject).to.include('O=system:masters');
    expect(cert.keyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.2']);
  });

  it('does not chain a certificate to a different CA', async () => {
    const [a, b] = await Promise.all([createCA('a'), createCA('b')]);
    const cert = new X509Certificate((await issueCert(a, { commonName: 'x', usage: 'both' })).certPem);
    expect(cert.verify(new X509Certificate(b.certPem).publicKey)).to.equal(false);
  });

  it('creates a signing key pair whose halves match', async () => {
    const key = await createSigningKey();
    const sig = sign('sha256', Buffer.from('token'), createPrivateKey(key.privateKeyPem));
    expect(verify('sha256', Buffer.from('token'), createPublicKey(key.publicKeyPem), sig)).to.equal(true);
  });
});
