import { expect } from 'chai';
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ControlPlane } from '../../src/controlplane/launcher.js';
import { kubectl, testEnv } from '../support/env.js';
import { binDir, repoRoot } from '../support/paths.js';
import { eventually } from '../support/wait.js';

const run = promisify(execFile);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the local control plane', function () {
  it('serves the Kubernetes version that hack/controlplane built, through the built kubectl', async () => {
    const built = readFileSync(join(binDir, '.stamps', 'kube-apiserver'), 'utf8').trim();
    const version = JSON.parse(await kubectl('get', '--raw', '/version')) as {
      gitVersion: string;
      minor: string;
    };
    expect(version.gitVersion).to.equal(built);
    expect(built).to.match(/^v1\.35\.\d+$/);
    const { stdout } = await run(join(binDir, 'kubectl'), ['version', '--client', '-o', 'json']);
    expect(
      (JSON.parse(stdout) as { clientVersion: { gitVersion: string } }).clientVersion.gitVersion,
    ).to.equal(built);
  });

  it('runs the controllers tests rely on (the readyz of the shared plane is green)', async () => {
    expect(await testEnv().controlPlane.apiServerReady()).to.equal(true);
    expect(testEnv().controlPlane.pids).to.have.length(3);
    for (const pid of testEnv().controlPlane.pids) expect(alive(pid), `pid ${pid}`).to.equal(true);
  });

  it('leaves no process and no scratch directory behind after stop', async function () {
    this.timeout(120_000);
    const cp = await ControlPlane.start({ binDir });
    const pids = cp.pids;
    expect(pids).to.have.length(3);
    expect(await cp.apiServerReady()).to.equal(true);
    await cp.stop();
    for (const pid of pids) expect(alive(pid), `pid ${pid} still alive`).to.equal(false);
    expect(existsSync(cp.workDir)).to.equal(false);
  });

  it('is torn down by the reaper when the process that started it is SIGKILLed', async function () {
    this.timeout(120_000);
    // A separate Node process starts a control plane, reports it, and is then killed
    // without any chance to clean up.
    const script = `
      import { ControlPlane } from ${JSON.stringify(join(repoRoot, 'src/controlplane/launcher.ts'))};
      const cp = await ControlPlane.start({ binDir: ${JSON.stringify(binDir)}, controllerManager: false });
      console.log(JSON.stringify({ pids: cp.pids, workDir: cp.workDir }));
      setInterval(() => undefined, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const info = await new Promise<{ pids: number[]; workDir: string }>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line) as { pids: number[]; workDir: string });
      });
      child.once('exit', (code) => {
        reject(new Error(`launcher child exited early with ${String(code)}`));
      });
    });
    expect(info.pids).to.have.length(2);
    child.kill('SIGKILL');
    await eventually(() => info.pids.every((p) => !alive(p)) && !existsSync(info.workDir), {
      timeoutMs: 20_000,
      what: 'the orphaned control plane to be reaped',
    });
  });
});
