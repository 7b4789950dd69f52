import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { KubeClient } from '../../src/runtime/kube-client.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { crdDir, repoRoot } from '../support/paths.js';
import { eventually } from '../support/wait.js';

interface Lease {
  spec?: { holderIdentity?: string; leaseDurationSeconds?: number };
}

function startOperator(args: string[]): {
  proc: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src/main.ts'), ...args], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      KUBECONFIG: testEnv().controlPlane.kubeconfigPath,
      BACKEND_PROBE_LOOPBACK_ONLY: 'true', // tests send nothing beyond 127.0.0.1
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

describe('the operator process', function () {
  this.timeout(60_000);

  before(async () => {
    // The operator waits for its caches, so its CRDs must be installed first (as `make install` does).
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=30s');
  });

  it('takes the Lease, logs JSON, and on SIGTERM releases the Lease and exits 0', async () => {
    const ns = await newNamespace('proc');
    const op = startOperator([
      `--leader-election-namespace=${ns}`,
      '--http-bind-address=127.0.0.1:0',
      '--pod-name=operator-under-test',
      `--webhook-namespace=${ns}`,
      '--webhook-bind-address=127.0.0.1:0',
    ]);
    try {
      const leasePath = `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/prism-operator-leader`;
      const client = await KubeClient.create(testEnv().kubeConfig);
      const lease = await eventually(
        async () => {
          const l = await client.request<Lease>({ method: 'GET', path: leasePath });
          return l.spec?.holderIdentity === 'operator-under-test' ? l : undefined;
        },
        { timeoutMs: 60_000, what: 'the operator to hold the Lease' },
      );
      expect(lease.spec?.leaseDurationSeconds).to.equal(15);
      // Webhooks are on by default: the operator issued its serving certificate into a Secret.
      const secret = await eventually(
        () =>
          client.request<{ type: string; data: Record<string, string> }>({
            method: 'GET',
            path: `/api/v1/namespaces/${ns}/secrets/prism-operator-webhook-cert`,
          }),
        { what: 'the webhook certificate Secret' },
      );
      expect(secret.type).to.equal('kubernetes.io/tls');
      expect(Object.keys(secret.data)).to.include.members(['tls.crt', 'tls.key', 'ca.crt']);
      const firstLine = op
        .output()
        .split('\n')
        .find((l) => l.startsWith('{'));
      expect(JSON.parse(firstLine ?? '{}')).to.include({ message: 'starting prism-operator', level: 'info' });

      op.proc.kill('SIGTERM');
      expect(await op.exited).to.equal(0);
      const released = await client.request<Lease>({ method: 'GET', path: leasePath });
      expect(released.spec?.holderIdentity ?? '').to.equal('');
      client.close();
    } finally {
      op.proc.kill('SIGKILL');
    }
  });

  it('refuses bad configuration with exit code 2 and says which setting is wrong', async () => {
    const op = startOperator(['--max-concurrent-reconciles=zero', '--log-format=xml']);
    expect(await op.exited).to.equal(2);
    expect(op.output()).to.include(
      '--max-concurrent-reconciles / MAX_CONCURRENT_RECONCILES: expected a whole number',
    );
    expect(op.output()).to.include('--log-format / LOG_FORMAT: expected one of json, text');
  });
});
