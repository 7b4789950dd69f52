import { expect } from 'chai';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { RequestOptions } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { LightKubeConfig, loadKubeConfig, resolveConnection } from '../../src/runtime/kubeconfig.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function kubeconfig(over: { user?: object; cluster?: object; current?: string; name?: string } = {}) {
  const name = over.name ?? 'kind';
  return {
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': over.current ?? name,
    clusters: [{ name, cluster: { server: `https://127.0.0.1:6443`, ...over.cluster } }],
    users: [
      { name, user: over.user ?? { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') } },
    ],
    contexts: [{ name, context: { cluster: name, user: name } }],
  };
}

describe('kubeconfig loading', () => {
  let dir: string;
  const write = (file: string, doc: object) => {
    const path = join(dir, file);
    writeFileSync(path, stringify(doc));
    return path;
  };
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'kubeconfig-test-'));
  });

  it('reads client certificates and the CA from $KUBECONFIG, inline or as files relative to it', () => {
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    const path = write('config', kubeconfig({ cluster: { 'certificate-authority': 'ca.crt' } }));
    const r = resolveConnection({ env: { KUBECONFIG: path } });
    expect(r.kind).to.equal('light');
    if (r.kind !== 'light') return;
    expect(r.connection.server).to.equal('https://127.0.0.1:6443');
    expect(r.connection.ca?.toString()).to.equal('CA');
    expect(r.connection.cert?.toString()).to.equal('CERT');
    expect(r.connection.key?.toString()).to.equal('KEY');
  });

  it('merges several $KUBECONFIG files: the first current-context and the first definition of a name win', () => {
    const first = write('a', { 'current-context': 'b-ctx' });
    const second = write('b', {
      ...kubeconfig({ name: 'b-ctx', user: { token: 'from-b' } }),
      'current-context': 'ignored',
    });
    const third = write('c', kubeconfig({ name: 'b-ctx', user: { token: 'shadowed' } }));
    const r = resolveConnection({ env: { KUBECONFIG: [first, second, third].join(':') } });
    expect(r.kind === 'light' && r.connection.token).to.equal('from-b');
  });

  it('falls back to ~/.kube/config when $KUBECONFIG is unset', () => {
    mkdirSync(join(dir, '.kube'));
    writeFileSync(join(dir, '.kube', 'config'), stringify(kubeconfig({ user: { token: 't' } })));
    const r = resolveConnection({ env: {}, home: dir, serviceAccountDir: join(dir, 'none') });
    expect(r.kind === 'light' && r.connection.token).to.equal('t');
  });

  it('uses the in-cluster service account when there is no kubeconfig, and re-reads its rotating token', async () => {
    const sa = join(dir, 'sa');
    mkdirSync(sa);
    writeFileSync(join(sa, 'token'), 'token-1\n');
    writeFileSync(join(sa, 'ca.crt'), 'CLUSTER-CA');
    const r = resolveConnection({
      env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      home: dir,
      serviceAccountDir: sa,
    });
    expect(r.kind).to.equal('light');
    if (r.kind !== 'light') return;
    expect(r.connection.server).to.equal('https://[fd00::1]:443');
    let now = 0;
    const kc = new LightKubeConfig(r.connection, () => now);
    // The client asks for headers per request when the user is "dynamic".
    expect(kc.getCurrentUser().authProvider).to.not.equal(undefined);
    const auth = async () => {
      const opts: RequestOptions = {};
      await kc.applyToHTTPSOptions(opts);
      return { header: (opts.headers as Record<string, string>).Authorization, ca: String(opts.ca) };
    };
    expect(await auth()).to.deep.equal({ header: 'Bearer token-1', ca: 'CLUSTER-CA' });
    writeFileSync(join(sa, 'token'), 'token-2\n');
    now = 30_000;
    expect((await auth()).header).to.equal('Bearer token-1');
    now = 61_000;
    expect((await auth()).header).to.equal('Bearer token-2');
  });

  it('hands exec plugins, auth providers and impersonation to client-node', async () => {
    for (const user of [
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' } },
      { 'auth-provider': { name: 'oidc' } },
      { token: 't', as: 'someone' },
    ]) {
      const path = write('config', kubeconfig({ user }));
      const r = resolveConnection({ env: { KUBECONFIG: path } });
      expect(r.kind, JSON.stringify(user)).to.equal('delegate');
    }
    // And client-node then does load it (the exec command is not run until a request needs it).
    const path = write('config', kubeconfig({ user: { 'auth-provider': { name: 'oidc', config: {} } } }));
    const previous = process.env.KUBECONFIG;
    process.env.KUBECONFIG = path;
    try {
      const kc = await loadKubeConfig({ env: { KUBECONFIG: path } });
      expect(kc).to.not.be.instanceOf(LightKubeConfig);
      expect(kc.getCurrentCluster()?.server).to.equal('https://127.0.0.1:6443');
    } finally {
      if (previous === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = previous;
    }
  });

  it('applies a bearer token, basic auth, insecure-skip-tls-verify and tls-server-name', async () => {
    const token = new LightKubeConfig({
      context: 'c',
      server: 's',
      token: 'abc',
      insecureSkipTlsVerify: true,
    });
    const o1: RequestOptions = {};
    await token.applyToHTTPSOptions(o1);
    expect(o1.headers).to.deep.equal({ Authorization: 'Bearer abc' });
    expect(o1.rejectUnauthorized).to.equal(false);
    const basic = new LightKubeConfig({
      context: 'c',
      server: 's',
      basic: { username: 'u', password: 'p' },
      tlsServerName: 'api.internal',
    });
    const o2: RequestOptions = {};
    await basic.applyToHTTPSOptions(o2);
    expect(o2.auth).to.equal('u:p');
    expect(o2.servername).to.equal('api.internal');
  });
});
