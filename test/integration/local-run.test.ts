import { expect } from 'chai';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { testEnv } from '../support/env.js';
import { binDir, repoRoot } from '../support/paths.js';
import { eventually } from '../support/wait.js';

const run = promisify(execFile);

interface LocalRun {
  proc: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** `prism-operator local-run` as `make local-run` starts it, with its output captured (so not a TTY). */
function localRun(env: Record<string, string>): LocalRun {
  const { KUBECONFIG: _ignored, ...inherited } = process.env;
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', join(repoRoot, 'src/cli/main.ts'), 'local-run', '--http-bind-address=127.0.0.1:0'],
    {
      cwd: repoRoot,
      // Tests send nothing beyond 127.0.0.1: backend probes stay on loopback.
      env: { ...inherited, PRISM_BIN_DIR: binDir, BACKEND_PROBE_LOOPBACK_ONLY: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, stdout: () => out, stderr: () => err, exited };
}

const ready = (lr: LocalRun) =>
  eventually(
    () => {
      if (lr.proc.exitCode !== null) throw new Error(`local-run exited early:\n${lr.stderr()}`);
      return lr.stdout().includes('"operator ready"');
    },
    { timeoutMs: 180_000, intervalMs: 500, what: `"operator ready" from local-run (stderr: ${lr.stderr()})` },
  );

/** Processes whose command line mentions `text` (pgrep exits 1 when there are none). */
async function processesMentioning(text: string): Promise<string[]> {
  try {
    const { stdout } = await run('pgrep', ['-a', '-f', text]);
    return stdout.split('\n').filter((l) => l.trim() !== '' && !l.includes('pgrep'));
  } catch {
    return [];
  }
}

describe('make local-run (prism-operator local-run)', function () {
  this.timeout(300_000);

  describe('with no cluster (LOCAL_CLUSTER=embedded)', () => {
    let stateDir: string;
    let lr: LocalRun;
    const kubectl = async (...args: string[]) =>
      (await run(join(binDir, 'kubectl'), ['--kubeconfig', join(stateDir, 'kubeconfig'), ...args])).stdout;

    before(async () => {
      stateDir = join(mkdtempSync(join(tmpdir(), 'prism-local-run-')), 'state');
      lr = localRun({ LOCAL_CLUSTER: 'embedded', PRISM_LOCAL_STATE_DIR: stateDir });
      await ready(lr);
    });

    after(() => {
      lr.proc.kill('SIGKILL'); // no-op once it has exited
      rmSync(join(stateDir, '..'), { recursive: true, force: true });
    });

    it('starts a control plane, tells how to reach it, and installs the Prism and KEDA CRDs', async () => {
      const hint = lr
        .stderr()
        .split('\n')
        .filter((l) => l.includes('export KUBECONFIG='));
      expect(hint).to.have.length(1);
      expect(hint[0]).to.include(`export KUBECONFIG=${join(stateDir, 'kubeconfig')}`);
      const crds = await kubectl('get', 'crd', '-o', 'name');
      for (const crd of ['prismpatterns.prism.io', 'prismstacks.prism.io', 'scaledobjects.keda.sh']) {
        expect(crds).to.include(`customresourcedefinition.apiextensions.k8s.io/${crd}`);
      }
    });

    it('logs JSON lines when stdout is not a terminal, without leader election', () => {
      const lines = lr.stdout().split('\n').filter(Boolean);
      const start = lines
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.message === 'starting prism-operator');
      expect(start).to.include({ leaderElection: false });
    });

    it('reconciles the HPA sample into an HPA', async () => {
      await kubectl('apply', '-f', join(repoRoot, 'samples', 'prismpattern_hpa_example.yaml'));
      const hpa = await eventually(
        () =>
          kubectl(
            '-n',
            'prism-samples',
            'get',
            'hpa',
            'producer-events',
            '-o',
            'jsonpath={.spec.maxReplicas}',
          ),
        { timeoutMs: 60_000, what: 'the HPA of the sample' },
      );
      expect(hpa).to.equal('20');
    });

    it('stops everything on Ctrl-C (SIGINT): no etcd, kube-apiserver or operator process is left', async () => {
      expect(await processesMentioning(stateDir)).to.have.length.greaterThan(1); // etcd, apiserver, kcm
      lr.proc.kill('SIGINT');
      expect(await lr.exited).to.equal(0);
      await eventually(async () => (await processesMentioning(stateDir)).length === 0, {
        timeoutMs: 15_000,
        what: 'the control-plane processes of the run to go',
      });
      expect(existsSync(join(stateDir, 'kubeconfig'))).to.equal(false);
    });
  });

  describe('with a cluster in the kubeconfig (LOCAL_CLUSTER=current)', () => {
    it('installs the CRDs there and runs the operator against it until SIGINT', async () => {
      const stateDir = join(mkdtempSync(join(tmpdir(), 'prism-local-run-')), 'state');
      const lr = localRun({
        LOCAL_CLUSTER: 'current',
        KUBECONFIG: testEnv().controlPlane.kubeconfigPath,
        PRISM_LOCAL_STATE_DIR: stateDir,
      });
      try {
        await ready(lr);
        expect(lr.stderr()).to.include(`(${testEnv().controlPlane.server})`);
        expect(lr.stderr()).to.not.include('export KUBECONFIG');
        expect(existsSync(stateDir)).to.equal(false); // no embedded control plane
        lr.proc.kill('SIGINT');
        expect(await lr.exited).to.equal(0);
      } finally {
        lr.proc.kill('SIGKILL');
      }
    });

    it('says why and exits 1 when the forced current cluster does not answer', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'prism-local-run-'));
      const kubeconfig = join(dir, 'kubeconfig');
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:9" } }]',
          'users: [{ name: me, user: { token: t } }]',
          'contexts: [{ name: gone, context: { cluster: gone, user: me } }]',
          'current-context: gone',
        ].join('\n'),
      );
      const lr = localRun({ LOCAL_CLUSTER: 'current', KUBECONFIG: kubeconfig });
      expect(await lr.exited).to.equal(1);
      expect(lr.stderr()).to.include(
        'LOCAL_CLUSTER=current, but context gone (https://127.0.0.1:9) does not answer',
      );
      rmSync(dir, { recursive: true, force: true });
    });
  });
});
