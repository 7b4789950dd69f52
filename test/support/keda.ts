// KEDA's CRDs for tests: install, uninstall and discovery checks on top of the
// shared src/controlplane/keda-crds.ts (the pinned module's CRD files).
import {
  KEDA_API_VERSION,
  KEDA_CRD_NAMES,
  KEDA_GROUP,
  KEDA_PLURALS,
  kedaCrdFiles,
} from '../../src/controlplane/keda-crds.js';
import { eventually, sleep } from './wait.js';

export {
  KEDA_API_VERSION,
  KEDA_CRD_NAMES,
  KEDA_GROUP,
  KEDA_PLURALS,
  kedaCrdDir,
} from '../../src/controlplane/keda-crds.js';

/** Runs kubectl against some control plane, e.g. `kubectl` from env.ts. */
export type { Kubectl } from '../../src/controlplane/kubectl.js';
import type { Kubectl } from '../../src/controlplane/kubectl.js';

/** Kinds of the keda.sh group currently in discovery, as `<plural>.keda.sh`. */
export async function kedaKindsInDiscovery(kubectl: Kubectl): Promise<string[]> {
  // api-resources re-reads discovery (it ignores kubectl's discovery cache by default).
  const out = await kubectl('api-resources', `--api-group=${KEDA_GROUP}`, '-o', 'name');
  return out.split('\n').filter((l) => l.trim() !== '');
}

/**
 * Installs KEDA's CRDs and waits until they are Established and their kinds are
 * in discovery. Idempotent, so several test files may call it.
 */
export async function installKedaCrds(kubectl: Kubectl): Promise<void> {
  const files = await kedaCrdFiles();
  await waitForTerminatingCrds(kubectl);
  // --force-conflicts: another file or an earlier run may own these fields under
  // another manager; the pinned module is the source of truth in tests.
  await kubectl(
    'apply',
    '--server-side',
    '--force-conflicts',
    '--field-manager=prism-tests',
    ...files.flatMap((f) => ['-f', f]),
  );
  // kubectl wait fails outright on a CRD the API server has not yet given a status (no conditions list).
  await eventually(
    () =>
      kubectl(
        'wait',
        '--for=condition=Established',
        '--timeout=60s',
        ...KEDA_CRD_NAMES.map((n) => `crd/${n}`),
      ).then(() => true),
    { what: "KEDA's CRDs to be Established", timeoutMs: 90_000 },
  );
  // Established can precede the group appearing in aggregated discovery.
  await eventually(
    async () => {
      const kinds = await kedaKindsInDiscovery(kubectl);
      return KEDA_CRD_NAMES.every((n) => kinds.includes(n));
    },
    { what: "KEDA's kinds to appear in discovery" },
  );
}

/** Deletes KEDA's CRDs (and so every KEDA object) and waits until discovery drops them. */
export async function uninstallKedaCrds(kubectl: Kubectl): Promise<void> {
  await warmCrdStorage(kubectl);
  await kubectl('delete', 'crd', '--ignore-not-found', '--wait=false', ...KEDA_CRD_NAMES);
  await awaitCrdsDeleted(kubectl, KEDA_CRD_NAMES);
  await eventually(
    async () => !(await kedaKindsInDiscovery(kubectl)).includes(`scaledobjects.${KEDA_GROUP}`),
    { what: 'scaledobjects.keda.sh to leave discovery' },
  );
}

// The API server's CRD finalizer lists a kind's objects through its watch
// cache. If that cache is still initialising (e.g. a kind never used since
// install) the list fails with 429 "storage is (re)initializing", and the
// retry can be dropped on a stale read, leaving the CRD Terminating until the
// informer resync minutes later. An unpaginated list is refused the same way
// until the cache is ready, so make one per kind first.
async function warmCrdStorage(kubectl: Kubectl): Promise<void> {
  const served = await kedaKindsInDiscovery(kubectl);
  await Promise.all(
    KEDA_PLURALS.filter((p) => served.includes(`${p}.${KEDA_GROUP}`)).map(
      (p) =>
        eventually(() => kubectl('get', '--raw', `/apis/${KEDA_API_VERSION}/${p}`), {
          timeoutMs: 15_000,
          what: `the ${p} watch cache`,
        }).catch(() => undefined), // best effort: awaitCrdsDeleted copes with a stuck finalizer
    ),
  );
}

async function crdsLeft(kubectl: Kubectl, names: readonly string[]): Promise<string[]> {
  const out = await kubectl('get', 'crd', '--ignore-not-found', '-o', 'name', ...names);
  return out.split('\n').filter((n) => n.trim() !== '');
}

// Waits for CRDs being deleted to go. Any change other than its Terminating
// condition requeues a CRD in the finalizer, so a stuck one is nudged with an
// annotation (see warmCrdStorage).
async function awaitCrdsDeleted(kubectl: Kubectl, names: readonly string[]): Promise<void> {
  const deadline = Date.now() + 90_000;
  let nudgeAt = Date.now() + 5_000;
  for (;;) {
    const left = await crdsLeft(kubectl, names);
    if (left.length === 0) return;
    if (Date.now() > deadline) {
      const why = await Promise.all(
        left.map((crd) =>
          kubectl(
            'get',
            crd,
            '-o',
            'jsonpath={.metadata.name}: {.status.conditions[?(@.type=="Terminating")].message}',
          ).catch(() => crd),
        ),
      );
      throw new Error(`KEDA's CRDs still terminating after 90 s: ${why.join('; ')}`);
    }
    if (Date.now() > nudgeAt) {
      nudgeAt = Date.now() + 5_000;
      await kubectl('annotate', '--overwrite', ...left, `prism.io/finalizer-nudge=${Date.now()}`).catch(
        () => undefined, // gone in the meantime
      );
    }
    await sleep(250);
  }
}

// Applying to a CRD that is still being deleted (an uninstall elsewhere that
// did not wait) would succeed and then vanish, so let those finish first.
async function waitForTerminatingCrds(kubectl: Kubectl): Promise<void> {
  const out = await kubectl(
    'get',
    'crd',
    '--ignore-not-found',
    '-o',
    'jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name}{"\\n"}{end}',
    ...KEDA_CRD_NAMES,
  );
  const terminating = out.split('\n').filter((n) => n.trim() !== '');
  if (terminating.length > 0) await awaitCrdsDeleted(kubectl, terminating);
}
