// One supervised child process of the local control plane: spawned in its own
// process group (so a kill reaches anything it forks), output appended to a
// log file, and stopped with SIGTERM then SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';

export class ManagedProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  private exitCode: number | null | undefined;

  constructor(
    readonly name: string,
    private readonly binary: string,
    private readonly args: string[],
    private readonly logFile: string,
    private readonly onSpawn: (pid: number) => void = () => undefined,
    /** Extra environment variables on top of this process's own. */
    private readonly env: Record<string, string> = {},
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.exitCode === undefined;
  }

  start(): void {
    if (this.running) throw new Error(`${this.name} is already running`);
    const fd = openSync(this.logFile, 'a');
    try {
      this.exitCode = undefined;
      const child = spawn(this.binary, this.args, {
        detached: true,
        stdio: ['ignore', fd, fd],
        env: { ...process.env, ...this.env },
      });
      this.child = child;
      this.exited = new Promise((resolve) => {
        child.once('exit', (code) => {
          this.exitCode = code;
          resolve(code);
        });
        child.once('error', () => {
          this.exitCode = -1;
          resolve(-1);
        });
      });
      if (child.pid !== undefined) this.onSpawn(child.pid);
    } finally {
      closeSync(fd);
    }
  }

  /** Resolves with the exit code once the process has exited. */
  waitExit(): Promise<number | null> {
    return this.exited;
  }

  signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || !this.running) return;
    try {
      process.kill(-pid, sig); // the whole process group
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  }

  async stop(graceMs = 5000): Promise<void> {
    if (!this.running) return;
    this.signal('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), graceMs).unref());
    if ((await Promise.race([this.exited, timer])) === 'timeout') {
      this.signal('SIGKILL');
      await this.exited;
    }
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.signal('SIGKILL');
    await this.exited;
  }
}
