// Installs and removes the test-fixture ServiceMonitor CRD (fixtures/servicemonitor-crd.yaml).
import { join } from 'node:path';
import type { Kubectl } from './keda.js';
import { eventually } from './wait.js';

export const SERVICE_MONITOR_CRD = 'servicemonitors.monitoring.coreos.com';
const fixture = join(import.meta.dirname, 'fixtures', 'servicemonitor-crd.yaml');

export async function installServiceMonitorCrd(kubectl: Kubectl): Promise<void> {
  await kubectl('apply', '--server-side', '--force-conflicts', '--field-manager=prism-tests', '-f', fixture);
  await kubectl('wait', '--for=condition=Established', '--timeout=60s', `crd/${SERVICE_MONITOR_CRD}`);
}

export async function uninstallServiceMonitorCrd(kubectl: Kubectl): Promise<void> {
  await kubectl('delete', 'crd', '--ignore-not-found', SERVICE_MONITOR_CRD);
  await eventually(
    async () =>
      !(await kubectl('get', 'crd', '--ignore-not-found', '-o', 'name', SERVICE_MONITOR_CRD)).trim(),
    { what: 'the ServiceMonitor CRD to be deleted', timeoutMs: 60_000 },
  );
}
