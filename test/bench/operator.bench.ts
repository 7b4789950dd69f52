// The operator benchmark (make bench): P1 convergence against a plain-client
// baseline, P2 steady-state writes, P3 requests per pattern, P4 memory, P5
// update dedup, on an embedded control plane with an audit log so requests are
// counted by the API server. Knobs (environment): N, N_LARGE (0 skips the
// second memory point), CONCURRENCY, WORKERS, STEADY_SECONDS, UPDATES, OUT,
// OPERATOR_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=bench-results/prof"),
// OPERATOR_DIST (another build inside the repository, for before/after runs).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import { ControlPlane } from '../../src/controlplane/launcher.js';
import type { Obj } from '../../src/runtime/object.js';
import { CONTENT_TYPE, KubeClient } from '../../src/runtime/kube-client.js';
import { AuditLog, auditArgs, byUserAgent, isWrite, resourceOf, tally } from '../support/audit.js';
import { installKedaCrds } from '../support/keda.js';
import { OperatorProcess, sumSamples } from '../support/operator-process.js';
import {
  applyObject,
  childrenOf,
  convergence,
  createPatterns,
  inPool,
  isConverged,
  loadName,
  patternsPath,
  range,
} from '../support/pattern-load.js';
import { binDir, crdDir, repoRoot } from '../support/paths.js';
import { sleep } from '../support/wait.js';
import { CpuMeter, machineInfo, printTable } from './report.js';

const run = promisify(execFile);
const knob = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const N = knob('N', 1000);
const N_LARGE = knob('N_LARGE', 5000);
const CONCURRENCY = knob('CONCURRENCY', 16);
// The operator's --max-concurrent-reconciles: the same concurrency as the baseline's client loop.
const WORKERS = knob('WORKERS', CONCURRENCY);
const STEADY_SECONDS = knob('STEADY_SECONDS', 60);
// The event recorder folds repeats into a series written up to 10 s later: that tail belongs to convergence.
const SETTLE_SECONDS = knob('SETTLE_SECONDS', 15);
const UPDATES = knob('UPDATES', 10_000);
// Client concurrency of the P5 updates; higher sends them faster than the operator reconciles.
const UPDATE_CONCURRENCY = knob('UPDATE_CONCURRENCY', CONCURRENCY);
// With a value, CPU profiles of kube-apiserver for that many seconds from the start of the baseline and of P1
// (bench-results/apiserver-*.pprof; read with `go tool pprof -top bin/kube-apiserver <file>`).
const PROFILE_SECONDS = knob('APISERVER_PROFILE_SECONDS', 0);
// The longest wait for kube-controller-manager to stop changing workload status before P2.
const QUIET_CAP_SECONDS = knob('QUIET_CAP_SECONDS', 900);
// Keep the bodies of the operator's pattern status patches, to see which fields a steady-state write changed.
const STATUS_BODIES = process.env.STATUS_BODIES === '1';
const OUT = process.env.OUT ?? join(repoRoot, 'bench-results', 'report.json');
const OPERATOR_UA = 'prism-operator';
const BENCH_UA = 'prism-bench';

const log = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const seconds = (ms: number) => Math.round(ms / 100) / 10;

async function main(): Promise<void> {
  const report: Record<string, unknown> = {
    command: `make bench N=${N} N_LARGE=${N_LARGE} CONCURRENCY=${CONCURRENCY} WORKERS=${WORKERS}`,
    knobs: { N, N_LARGE, CONCURRENCY, WORKERS, STEADY_SECONDS, SETTLE_SECONDS, UPDATES, UPDATE_CONCURRENCY },
    operatorNodeArgs: process.env.OPERATOR_NODE_ARGS ?? '',
    machine: await machineInfo(binDir),
    startedAt: new Date().toISOString(),
  };
  const workDir = mkdtempSync(join(tmpdir(), 'prism-bench-'));
  const audit = auditArgs(
    workDir,
    STATUS_BODIES ? { group: 'prism.io', resources: ['prismpatterns/status'] } : undefined,
  );
  log('starting the control plane (audit log on)');
  // Thousands of Services need more than the launcher's /24 (its first address, 10.0.0.1, stays the same).
  const extraApiServerArgs = [
    ...audit.args,
    '--service-cluster-ip-range=10.0.0.0/16',
    ...(PROFILE_SECONDS > 0 ? ['--profiling=true'] : []),
  ];
  const cp = await ControlPlane.start({ binDir, extraApiServerArgs, onProgress: log });
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  const client = await KubeClient.create(kc, { userAgent: BENCH_UA, defaultTimeoutMs: 120_000 });
  const kubectl = async (...args: string[]) =>
    (await run(join(binDir, 'kubectl'), ['--kubeconfig', cp.kubeconfigPath, ...args], { maxBuffer: 1 << 26 }))
      .stdout;
  const auditLog = new AuditLog(audit.logPath);
  let operator: OperatorProcess | undefined;
  try {
    report.versions = {
      ...(report.machine as { versions: object }).versions,
      kube: await client.request({ method: 'GET', path: '/version' }),
    };
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await installKedaCrds(kubectl);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=60s');

    const [etcdPid, apiServerPid, controllerManagerPid] = cp.pids;
    const controlPlanePids = {
      etcd: etcdPid!,
      kubeApiServer: apiServerPid!,
      kubeControllerManager: controllerManagerPid!,
    };
    const profiles: Promise<void>[] = [];
    if (PROFILE_SECONDS > 0) profiles.push(apiServerProfile(cp, 'baseline'));
    report.baseline = await baseline(client, kubectl, controlPlanePids);
    log(`baseline: ${JSON.stringify(report.baseline)}`);

    await kubectl('create', 'namespace', 'bench');
    operator = await OperatorProcess.start({
      kubeconfigPath: cp.kubeconfigPath,
      compiled: true,
      distDir: process.env.OPERATOR_DIST,
      args: ['--leader-election-namespace=default', `--max-concurrent-reconciles=${WORKERS}`],
      nodeArgs: [
        // SIGUSR2 then runs a full GC, so P4 reads live memory, not garbage awaiting collection.
        '--expose-gc',
        '--import',
        pathToFileURL(join(repoRoot, 'test', 'bench', 'gc-on-signal.mjs')).href,
        ...(process.env.OPERATOR_NODE_ARGS ?? '').split(' ').filter(Boolean),
      ],
    });
    await operator.ready();
    await sleep(3000); // leadership and cache sync
    const op = operator;
    // P4 with no patterns: what the process costs before it caches anything of ours.
    const idleMemory = await memoryOf(op, 0);

    // P1 + P3: create N patterns, wait for convergence, count what the operator asked of the API server.
    const a0 = auditLog.offset();
    const reconciles0 = await op.metric('controller_runtime_reconcile_total');
    const p1Cpu = CpuMeter.start({ ...controlPlanePids, operator: op.pid });
    if (PROFILE_SECONDS > 0) profiles.push(apiServerProfile(cp, 'operator'));
    const p1Ms = await createAndConverge(client, 0, N);
    const p1CpuSeconds = p1Cpu.used();
    await sleep(2000);
    const convergenceEvents = auditLog.events(a0).filter(byUserAgent(OPERATOR_UA));
    const byVerb = tally(convergenceEvents, (e) => e.verb);
    const base = report.baseline as { ms: number };
    report.p1 = {
      operatorSeconds: seconds(p1Ms),
      baselineSeconds: seconds(base.ms),
      ratio: round2(p1Ms / base.ms),
      // Where the time went: CPU seconds per process while converging, against the baseline's (2 cores).
      cpuSeconds: p1CpuSeconds,
      baselineCpuSeconds: (report.baseline as { cpuSeconds: object }).cpuSeconds,
    };
    report.p3 = {
      requestsPerPattern: round2(convergenceEvents.length / N),
      writesPerPattern: round2(convergenceEvents.filter(isWrite).length / N),
      byVerbPerPattern: Object.fromEntries(Object.entries(byVerb).map(([v, c]) => [v, round2(c / N)])),
      byVerbAndResource: tally(convergenceEvents, (e) => `${e.verb} ${resourceOf(e)}`),
      reconciles: (await op.metric('controller_runtime_reconcile_total')) - reconciles0,
    };
    log(`P1 ${JSON.stringify(report.p1)}\nP3 ${JSON.stringify(report.p3)}`);

    await Promise.all(profiles);
    // P4 at N.
    const memory: Record<string, unknown>[] = [idleMemory, await memoryOf(op, N)];
    report.p4 = memory;
    log(`P4 ${JSON.stringify(memory)} (kubeconfig ${cp.kubeconfigPath})`);

    // P2: a quiet minute, once kube-controller-manager has caught up (with no nodes its Deployment and
    // ReplicaSet controllers, at their default 20 QPS, keep changing Deployment status for minutes after
    // the operator converged, and the operator rightly mirrors those changes) and after the settle period.
    const t2 = Date.now();
    const controllersQuiet = await waitForQuiet(
      auditLog,
      'kube-controller-manager',
      5_000,
      QUIET_CAP_SECONDS * 1000,
    );
    log(
      `kube-controller-manager ${controllersQuiet ? 'quiet' : 'still writing'} after ${seconds(Date.now() - t2)} s`,
    );
    const a1 = auditLog.offset();
    await sleep(SETTLE_SECONDS * 1000);
    const settleWrites = auditLog.events(a1).filter(byUserAgent(OPERATOR_UA)).filter(isWrite);
    const a2 = auditLog.offset();
    await sleep(STEADY_SECONDS * 1000);
    const quiet = auditLog.events(a2).filter(byUserAgent(OPERATOR_UA));
    const quietWrites = quiet.filter(isWrite);
    report.p2 = {
      seconds: STEADY_SECONDS,
      settleSeconds: SETTLE_SECONDS,
      waitedForControllersSeconds: seconds(Date.now() - t2) - SETTLE_SECONDS - STEADY_SECONDS,
      controllersQuiet,
      // Writes by kube-controller-manager in the same window (other than Events and Leases): status changes the operator may mirror.
      controllerManagerWrites: auditLog
        .events(a2)
        .filter(byUserAgent('kube-controller-manager'))
        .filter((e) => isWrite(e) && !['events', 'leases'].includes(resourceOf(e))).length,
      settleWritesByResource: tally(settleWrites, (e) => `${e.verb} ${resourceOf(e)}`),
      writes: quietWrites.length,
      writesExcludingLeases: quietWrites.filter((e) => resourceOf(e) !== 'leases').length,
      writesByResource: tally(quietWrites, (e) => `${e.verb} ${resourceOf(e)}`),
      requestsByVerb: tally(quiet, (e) => e.verb),
    };
    log(`P2 ${JSON.stringify(report.p2)}`);
    if (STATUS_BODIES) {
      const bodies = join(dirname(OUT), 'p2-status-patches.jsonl');
      const lines = [...settleWrites, ...quietWrites]
        .filter((e) => resourceOf(e) === 'prismpatterns/status')
        .map((e) => JSON.stringify({ at: e.stageTimestamp, name: e.objectRef?.name, body: e.requestObject }));
      mkdirSync(dirname(bodies), { recursive: true });
      writeFileSync(bodies, lines.join('\n') + '\n');
      log(`P2 status patch bodies written to ${bodies}`);
    }

    // P5: UPDATES spec changes spread over the N patterns, as fast as the client goes: first
    // round-robin (each pattern's updates far apart), then in bursts (each pattern's updates back to back).
    report.p5 = await updateStorm(client, op, 'round-robin');
    log(`P5 ${JSON.stringify(report.p5)}`);
    report.p5bursts = await updateStorm(client, op, 'bursts');
    log(`P5 bursts ${JSON.stringify(report.p5bursts)}`);

    if (N_LARGE > N) {
      const ms = await createAndConverge(client, N, N_LARGE);
      memory.push({ ...(await memoryOf(op, N_LARGE)), convergeSecondsForAdded: seconds(ms) });
    }
    log(`P4 ${JSON.stringify(memory)}`);
    report.operatorExited = !op.running;
  } finally {
    // An operator that died mid-run explains the failure better than the bench's own error.
    if (operator && !operator.running)
      log(`the operator exited (${operator.exitCode}); its last output:\n${operator.output}`);
    const code = await operator?.stop();
    report.operatorExitCode = code;
    client.close();
    await cp.stop();
  }
  report.finishedAt = new Date().toISOString();
  report.loadAverageAtEnd = loadavg().map((l) => Math.round(l * 100) / 100);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(report, null, 2) + '\n');
  printTable(report);
  log(`report written to ${OUT}`);
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The physical limit: the same patterns and the same children, written by a
 * plain client at the same concurrency with no operator running. Its
 * namespace is deleted (and waited for) before the operator starts.
 */
async function baseline(
  client: KubeClient,
  kubectl: (...a: string[]) => Promise<string>,
  pids: Record<string, number>,
): Promise<{ ms: number; objects: number; cpuSeconds: Record<string, number> }> {
  const ns = 'bench-baseline';
  await kubectl('create', 'namespace', ns);
  let objects = 0;
  const cpu = CpuMeter.start(pids);
  const t0 = Date.now();
  await inPool(range(0, N), CONCURRENCY, async (i) => {
    const [pattern] = await createPatterns(client, ns, [i], 1);
    for (const child of childrenOf(pattern!)) {
      await applyObject(client, child, BENCH_UA);
      objects++;
    }
  });
  const ms = Date.now() - t0;
  const cpuSeconds = cpu.used();
  log(`baseline done in ${seconds(ms)} s; deleting its namespace`);
  await kubectl('delete', 'namespace', ns, '--timeout=600s');
  return { ms, objects, cpuSeconds };
}

/**
 * UPDATES spec changes over the N patterns; counts the reconciles they cost and the queue adds
 * (as in client-go, an add of a key that is already waiting is not counted: it is deduplicated).
 */
async function updateStorm(
  client: KubeClient,
  op: OperatorProcess,
  order: 'round-robin' | 'bursts',
): Promise<Record<string, unknown>> {
  const perPattern = Math.max(1, Math.floor(UPDATES / N));
  const target = (k: number) => (order === 'round-robin' ? k % N : Math.floor(k / perPattern) % N);
  const r0 = await op.metric('controller_runtime_reconcile_total');
  const adds0 = await op.metric('workqueue_adds_total');
  const t0 = Date.now();
  await inPool(range(0, UPDATES), UPDATE_CONCURRENCY, (k) =>
    client.request({
      method: 'PATCH',
      path: `${patternsPath('bench')}/${loadName(target(k))}`,
      body: { spec: { config: { 'runner.yaml': `batch: ${order}-${k}\n` } } },
      contentType: CONTENT_TYPE.mergePatch,
    }),
  );
  const updateMs = Date.now() - t0;
  await waitConverged(client, 'bench', N);
  await sleep(3000);
  return {
    order,
    updates: UPDATES,
    patterns: N,
    concurrency: UPDATE_CONCURRENCY,
    updateSeconds: seconds(updateMs),
    convergedSeconds: seconds(Date.now() - t0 - 3000),
    reconciles: (await op.metric('controller_runtime_reconcile_total')) - r0,
    queueAdds: (await op.metric('workqueue_adds_total')) - adds0,
  };
}

async function createAndConverge(client: KubeClient, from: number, to: number): Promise<number> {
  const t0 = Date.now();
  await createPatterns(client, 'bench', range(from, to), CONCURRENCY);
  log(`created patterns ${from}..${to - 1} in ${seconds(Date.now() - t0)} s`);
  await waitConverged(client, 'bench', to);
  return Date.now() - t0;
}

/**
 * Waits until every pattern has all its children and status for its generation. It watches rather
 * than listing every pattern every second: that polling would load the API server (and the shared
 * CPUs) during the operator's phases only, not during the baseline. A full check ends each wait.
 */
async function waitConverged(client: KubeClient, ns: string, expected: number): Promise<void> {
  const deadline = Date.now() + 30 * 60_000;
  for (;;) {
    await watchUntilObserved(client, ns, expected, deadline);
    const c = await convergence(client, ns, expected);
    if (isConverged(c, expected)) return;
    if (Date.now() > deadline) throw new Error(`not converged after 30 min: ${JSON.stringify(c)}`);
    await sleep(1000);
  }
}

/** Lists once, then follows the watch until `expected` patterns report status for their generation. */
async function watchUntilObserved(
  client: KubeClient,
  ns: string,
  expected: number,
  deadline: number,
): Promise<void> {
  const list = await client.request<{ items: Obj[]; metadata: { resourceVersion: string } }>({
    method: 'GET',
    path: patternsPath(ns),
  });
  const observed = new Map<string, boolean>();
  const note = (o: Obj) =>
    observed.set(
      o.metadata.name,
      (o.status as { observedGeneration?: number } | undefined)?.observedGeneration === o.metadata.generation,
    );
  const done = () => observed.size >= expected && [...observed.values()].every(Boolean);
  list.items.forEach(note);
  if (done()) return;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), Math.max(0, deadline - Date.now()));
  try {
    await client.stream(
      {
        path: patternsPath(ns),
        query: { watch: 1, resourceVersion: list.metadata.resourceVersion, timeoutSeconds: 300 },
        signal: abort.signal,
      },
      (line) => {
        const event = JSON.parse(line) as { type: string; object: Obj };
        if (event.type === 'ADDED' || event.type === 'MODIFIED') note(event.object);
        else if (event.type === 'DELETED') observed.delete(event.object.metadata.name);
        if (done()) abort.abort();
      },
    );
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Waits until `userAgent` has written nothing but Events and Leases for `quietMs` (by the audit log's
 * timestamps); false when `capMs` passed first.
 */
async function waitForQuiet(
  auditLog: AuditLog,
  userAgent: string,
  quietMs: number,
  capMs: number,
): Promise<boolean> {
  const deadline = Date.now() + capMs;
  let from = auditLog.offset();
  let lastWriteMs = Date.now();
  for (;;) {
    await sleep(1000);
    const { events, next } = auditLog.read(from);
    for (const e of events.filter(byUserAgent(userAgent))) {
      if (isWrite(e) && !['events', 'leases'].includes(resourceOf(e)))
        lastWriteMs = Math.max(lastWriteMs, Date.parse(e.stageTimestamp));
    }
    from = next;
    if (Date.now() - lastWriteMs >= quietMs) return true;
    if (Date.now() > deadline) return false;
  }
}

/** Saves a CPU profile of kube-apiserver, taken over the next PROFILE_SECONDS. */
async function apiServerProfile(cp: ControlPlane, label: string): Promise<void> {
  const file = join(dirname(OUT), `apiserver-${label}.pprof`);
  const { ca, cert, key } = cp.tls;
  const body = await new Promise<Buffer>((resolve, reject) => {
    const req = https.get(
      `${cp.server}/debug/pprof/profile?seconds=${PROFILE_SECONDS}`,
      { ca, cert, key },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(Buffer.concat(chunks))
            : reject(new Error(`pprof: HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
  });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, body);
  log(`kube-apiserver profile (${label}) written to ${file}`);
}

/** The operator's memory as found, then after a full garbage collection (the live set). */
async function memoryOf(op: OperatorProcess, patterns: number): Promise<Record<string, unknown>> {
  const read = async () => {
    const text = await op.metricsText();
    const mib = (b: number) => Math.round((b / 1048576) * 10) / 10;
    return {
      rssMiB: mib(sumSamples(text, 'process_resident_memory_bytes')),
      heapUsedMiB: mib(sumSamples(text, 'nodejs_heap_size_used_bytes')),
      heapTotalMiB: mib(sumSamples(text, 'nodejs_heap_size_total_bytes')),
      externalMiB: mib(sumSamples(text, 'nodejs_external_memory_bytes')),
    };
  };
  const asFound = await read();
  process.kill(op.pid, 'SIGUSR2');
  await sleep(2000);
  return { patterns, ...(await read()), asFound };
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
