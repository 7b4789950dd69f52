// A private redis-server for the KEDA e2e suite: Debian's package, found on
// PATH or installed with apt-get when the tests run as root, started on a free
// loopback port with no persistence, and stopped (and reaped) afterwards.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../src/controlplane/launcher.js';
import { ManagedProcess } from '../../src/controlplane/process.js';
import { Reaper } from '../../src/controlplane/reaper.js';
import { eventually } from './wait.js';

const run = promisify(execFile);

async function which(cmd: string): Promise<string | undefined> {
  try {
    return (await run('bash', ['-c', `command -v ${cmd}`])).stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** Paths of redis-server and redis-cli, installing Debian's redis-server when missing and root. */
async function redisBinaries(): Promise<{ server: string; cli: string }> {
  let [server, cli] = await Promise.all([which('redis-server'), which('redis-cli')]);
  if ((!server || !cli) && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    process.stdout.write('  installing redis-server with apt-get (first run only)\n');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['install', '-y', '--no-install-recommends', 'redis-server'], {
      env,
      timeout: 300_000,
    });
    [server, cli] = await Promise.all([which('redis-server'), which('redis-cli')]);
  }
  if (!server || !cli) {
    throw new Error(
      "redis-server and redis-cli are required for the KEDA e2e suite: 'apt-get install redis-server'",
    );
  }
  return { server, cli };
}

export class RedisServer {
  private constructor(
    private readonly proc: ManagedProcess,
    private readonly cliPath: string,
    readonly port: number,
    private readonly dir: string,
    private readonly reaper: Reaper,
  ) {}

  /** host:port, as KEDA's redis trigger takes it in `address`. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  static async start(): Promise<RedisServer> {
    const { server, cli } = await redisBinaries();
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'prism-redis-'));
    const reaper = new Reaper();
    reaper.removeDirOnExit(dir);
    const proc = new ManagedProcess(
      'redis-server',
      server,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      join(dir, 'redis.log'),
      (pid) => reaper.watchPid(pid),
    );
    proc.start();
    const redis = new RedisServer(proc, cli, port, dir, reaper);
    await eventually(async () => (await redis.cli('ping')).trim() === 'PONG', {
      timeoutMs: 15_000,
      what: `redis-server on ${redis.address}`,
    });
    return redis;
  }

  async cli(...args: string[]): Promise<string> {
    return (await run(this.cliPath, ['-h', '127.0.0.1', '-p', String(this.port), ...args])).stdout;
  }

  /** Appends `count` items to the list. */
  async push(list: string, count: number): Promise<void> {
    await this.cli('rpush', list, ...Array.from({ length: count }, (_, i) => `item-${i}`));
  }

  async drain(list: string): Promise<void> {
    await this.cli('del', list);
  }

  async stop(): Promise<void> {
    await this.proc.stop();
    this.reaper.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
