// A tiny detached watchdog that outlives the launcher. The launcher keeps a pipe
// open to its stdin; when that pipe closes for any reason (normal stop, crash,
// SIGKILL of the test runner) the reaper kills every process group it was told
// about and removes the scratch directory. This is how "no stray processes"
// holds even when the parent dies without running its own cleanup.
import { spawn, type ChildProcess } from 'node:child_process';

const REAPER_SOURCE = `
const fs = require('fs');
const pids = new Set();
const dirs = new Set();
let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buf += chunk;
  let i;
  while ((i = buf.indexOf('\\n')) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    const sp = line.indexOf(' ');
    const cmd = line.slice(0, sp);
    const arg = line.slice(sp + 1);
    if (cmd === 'pid') pids.add(Number(arg));
    else if (cmd === 'forget') pids.delete(Number(arg));
    else if (cmd === 'dir') dirs.add(arg);
    else if (cmd === 'keepdir') dirs.delete(arg);
  }
});
const kill = (sig) => { for (const p of pids) { try { process.kill(-p, sig); } catch { try { process.kill(p, sig); } catch {} } } };
process.stdin.on('end', () => {
  kill('SIGTERM');
  setTimeout(() => {
    kill('SIGKILL');
    for (const d of dirs) { try { fs.rmSync(d, { recursive: true, force: true }); } catch {} }
    process.exit(0);
  }, pids.size ? 3000 : 0);
});
`;

export class Reaper {
  private readonly proc: ChildProcess;

  constructor() {
    this.proc = spawn(process.execPath, ['-e', REAPER_SOURCE], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    this.proc.unref();
    // Keep the pipe from holding the event loop open; it closes when we exit.
    (this.proc.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  }

  private send(line: string): void {
    this.proc.stdin?.write(`${line}\n`);
  }

  watchPid(pid: number): void {
    this.send(`pid ${pid}`);
  }

  forgetPid(pid: number): void {
    this.send(`forget ${pid}`);
  }

  removeDirOnExit(dir: string): void {
    this.send(`dir ${dir}`);
  }

  keepDir(dir: string): void {
    this.send(`keepdir ${dir}`);
  }

  /** Ends the watch: the reaper cleans whatever is still registered and exits. */
  close(): void {
    this.proc.stdin?.end();
  }
}
