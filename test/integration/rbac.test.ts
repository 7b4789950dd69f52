import { expect } from 'chai';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { parseConfig } from '../../src/config.js';
import { registerControllers } from '../../src/controllers/index.js';
import { allows, type PolicyRule } from '../../src/controllers/rbac.js';
import { managerConfig } from '../../src/main.js';
import { silentLogger } from '../../src/runtime/logger.js';
import { Manager } from '../../src/runtime/manager.js';
import { apiCallsOf, describeCall, type ObservedRequest } from '../support/api-calls.js';
import { kubectl, newNamespace, testEnv } from '../support/env.js';
import { installKedaCrds } from '../support/keda.js';
import { crdDir, repoRoot } from '../support/paths.js';
import { eventually } from '../support/wait.js';

type Json = Record<string, any>;

const rulesIn = (file: string): PolicyRule[] =>
  (parse(readFileSync(join(repoRoot, 'config', 'rbac', file), 'utf8')) as { rules: PolicyRule[] }).rules;

/** Every sample's custom resources and Secrets, moved into one namespace. */
function samplesIn(namespace: string): string {
  const docs = readdirSync(join(repoRoot, 'samples'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => parseAllDocuments(readFileSync(join(repoRoot, 'samples', f), 'utf8')))
    .map((d) => d.toJS() as Json)
    .filter((o) => o.kind !== 'Namespace')
    .map((o) => ({ ...o, metadata: { ...o.metadata, namespace } }));
  const file = join(mkdtempSync(join(tmpdir(), 'prism-rbac-')), 'samples.yaml');
  writeFileSync(file, docs.map((d) => stringify(d)).join('---\n'));
  return file;
}

describe('the generated RBAC roles', function () {
  this.timeout(180_000);
  const requests: ObservedRequest[] = [];
  let ns: string;
  let mgr: Manager;

  const pattern = async (name: string): Promise<Json> =>
    JSON.parse(await kubectl('-n', ns, 'get', 'prismpattern', name, '-o', 'json')) as Json;
  const reconciled = (name: string) =>
    eventually(
      async () => {
        const p = await pattern(name);
        return p.status?.observedGeneration === p.metadata.generation ? p : undefined;
      },
      { timeoutMs: 60_000, what: `${name} to be reconciled` },
    );
  const patch = (name: string, spec: Json) =>
    kubectl('-n', ns, 'patch', 'prismpattern', name, '--type=merge', '-p', JSON.stringify({ spec }));

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=30s');
    await installKedaCrds(kubectl);
    ns = await newNamespace('rbac');
    // The operator exactly as main.ts builds it, with leader election on so Lease calls are recorded too.
    const config = parseConfig(
      [
        '--leader-election-namespace',
        ns,
        '--http-bind-address',
        '127.0.0.1:0',
        '--pod-name',
        'rbac-test',
        '--backend-probe-loopback-only',
      ],
      {},
    );
    mgr = await Manager.create({
      kubeConfig: testEnv().kubeConfig,
      config: managerConfig(config),
      logger: silentLogger(),
      onLeadershipLost: () => undefined,
      observe: (req) => requests.push(req),
    });
    registerControllers(mgr, config);
    await mgr.start();
    await eventually(() => mgr.isLeader(), { what: 'the operator to lead' });
  });

  after(async () => {
    await mgr.stop();
  });

  it('allow every API call the operator makes while reconciling the samples and their changes', async () => {
    await kubectl('apply', '--server-side', '-f', samplesIn(ns));
    const names = (await kubectl('-n', ns, 'get', 'prismpattern', '-o', 'name'))
      .split('\n')
      .filter(Boolean)
      .map((n) => n.split('/')[1]!);
    expect(names.length).to.be.greaterThan(3);
    for (const name of names) await reconciled(name);

    // Drop an optional child (a delete), then leave KEDA from zero replicas (the scale subresource)
    // and turn autoscaling off: the calls a long-running operator makes besides applying.
    const hpaPattern = 'producer-events';
    await patch(hpaPattern, { service: null });
    await reconciled(hpaPattern);
    const kedaPattern = (await Promise.all(names.map(pattern))).find(
      (p) => p.spec.autoscaling?.scaler === 'keda',
    )!.metadata.name as string;
    await kubectl('-n', ns, 'scale', 'deployment', kedaPattern, '--replicas=0');
    await patch(kedaPattern, { autoscaling: { scaler: 'hpa', triggers: null } });
    await reconciled(kedaPattern);
    await patch(kedaPattern, { autoscaling: { enabled: false } });
    await reconciled(kedaPattern);
    await mgr.recorder.flush();

    const clusterRules = rulesIn('role.yaml');
    const leaderElectionRules = rulesIn('leader_election_role.yaml');
    const denied = new Set<string>();
    const seen = new Set<string>();
    for (const call of requests.flatMap(apiCallsOf)) {
      seen.add(describeCall(call));
      if (call.kind === 'nonResource') {
        // Discovery (/api/v1, /apis/<group>/<version>) is open to every authenticated user (system:discovery).
        if (call.verb !== 'get' || !/^\/apis?(\/[^/]+){1,2}$/.test(call.path)) denied.add(describeCall(call));
        continue;
      }
      const byLeaderRole =
        call.namespace === ns && allows(leaderElectionRules, call.group, call.resource, call.verb);
      if (!byLeaderRole && !allows(clusterRules, call.group, call.resource, call.verb)) {
        denied.add(`${describeCall(call)}${call.namespace ? ` in ${call.namespace}` : ''}`);
      }
    }
    expect(
      [...denied],
      `calls not allowed by config/rbac (run make manifests after editing
src/controllers/permissions.ts); calls seen: ${[...seen].sort().join(', ')}`,
    ).to.deep.equal([]);
    // The scenario did exercise the interesting calls, so the check above means something.
    for (const call of [
      'create coordination.k8s.io/leases',
      'watch apps/deployments',
      'patch apps/deployments',
      'create apps/deployments',
      'patch apps/deployments/scale',
      'delete core/services',
      'delete keda.sh/scaledobjects',
      'patch prism.io/prismpatterns/status',
      'create events.k8s.io/events',
    ]) {
      expect([...seen]).to.include(call);
    }
  });
});
