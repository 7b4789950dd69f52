// Machine description and the printed summary of the operator benchmark.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function machineInfo(binDir: string): Promise<Record<string, unknown>> {
  const version = async (bin: string, arg: string) =>
    (await run(join(binDir, bin), [arg]).catch(() => ({ stdout: 'unknown' }))).stdout.trim().split('\n')[0];
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
    note: 'etcd, kube-apiserver, kube-controller-manager, the operator and the client share these CPUs, and timings vary between runs: compare ratios and counts',
    versions: {
      node: process.version,
      etcd: await version('etcd', '--version'),
      kubeApiServer: await version('kube-apiserver', '--version'),
    },
  };
}

type Json = Record<string, any>;

const row = (name: string, value: string, target: string) =>
  `${name.padEnd(34)} ${value.padEnd(30)} ${target}\n`;

export function printTable(r: Json): void {
  const out = [
    row('figure', 'measured', 'target'),
    row(
      'P1 convergence (operator/baseline)',
      `${r.p1?.operatorSeconds}s / ${r.p1?.baselineSeconds}s = ${r.p1?.ratio}`,
      '≤ 1.5',
    ),
    row(
      'P2 operator writes in steady state',
      `${r.p2?.writes} (${r.p2?.writesExcludingLeases} excl. leases)`,
      '0',
    ),
    row('P3 requests per pattern', `${r.p3?.requestsPerPattern} (${r.p3?.writesPerPattern} writes)`, '≤ 5'),
    ...((r.p4 ?? []) as Json[]).map((m) =>
      row(
        `P4 memory at ${m.patterns}`,
        `RSS ${m.rssMiB} MiB, heap ${m.heapUsedMiB} MiB`,
        m.patterns === 1000 ? '≤ 150 MiB RSS' : '',
      ),
    ),
    row('P5 reconciles for updates', `${r.p5?.reconciles} for ${r.p5?.updates} updates`, '≤ 1,100'),
    row(
      'P5 same, each pattern in a burst',
      `${r.p5bursts?.reconciles} for ${r.p5bursts?.updates} updates`,
      '',
    ),
  ];
  process.stdout.write(out.join(''));
}

/** CPU seconds (user + system) a process has used so far, from /proc; 0 when it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** Linux's USER_HZ: 100 on every architecture Node supports. */
const CLOCK_TICKS = 100;

/** CPU seconds each named process used between two snapshots. */
export class CpuMeter {
  private constructor(
    private readonly pids: Record<string, number>,
    private readonly start: Record<string, number>,
  ) {}

  static start(pids: Record<string, number>): CpuMeter {
    return new CpuMeter(pids, Object.fromEntries(Object.entries(pids).map(([n, p]) => [n, cpuSecondsOf(p)])));
  }

  used(): Record<string, number> {
    return Object.fromEntries(
      Object.entries(this.pids).map(([n, p]) => [
        n,
        Math.round((cpuSecondsOf(p) - this.start[n]!) * 10) / 10,
      ]),
    );
  }
}
