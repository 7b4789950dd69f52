import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { kubectl } from '../support/env.js';
import { binDir, repoRoot } from '../support/paths.js';

const run = promisify(execFile);
type Json = Record<string, any>;

describe('the deployable manifests (config/default)', function () {
  this.timeout(120_000);
  let rendered: string;
  let objects: Json[];

  before(async () => {
    // kubectl's built-in kustomize, as `make deploy` uses it.
    ({ stdout: rendered } = await run(
      join(binDir, 'kubectl'),
      ['kustomize', join(repoRoot, 'config', 'default')],
      {
        maxBuffer: 32 * 1024 * 1024,
      },
    ));
    objects = parseAllDocuments(rendered).map((d) => d.toJS() as Json);
  });

  it('are accepted by the API server (server-side dry run)', async () => {
    // A dry run creates nothing, so the namespace the other objects go into must exist for real.
    await kubectl('create', 'namespace', 'prism-system').catch(() => undefined);
    const file = join(mkdtempSync(join(tmpdir(), 'prism-deploy-')), 'default.yaml');
    writeFileSync(file, rendered);
    const out = await kubectl('apply', '--server-side', '--dry-run=server', '--force-conflicts', '-f', file);
    for (const kind of [
      'deployment.apps/prism-operator',
      'clusterrole.rbac.authorization.k8s.io/prism-operator',
    ]) {
      expect(out).to.include(kind);
    }
  });

  it('put every namespaced object in prism-system and bind the roles to its service account', () => {
    const clusterScoped = new Set([
      'Namespace',
      'CustomResourceDefinition',
      'ClusterRole',
      'ClusterRoleBinding',
    ]);
    for (const o of objects.filter((o) => !clusterScoped.has(o.kind as string))) {
      expect(o.metadata.namespace, `${o.kind} ${o.metadata.name}`).to.equal('prism-system');
    }
    const bindings = objects.filter((o) => o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding');
    expect(bindings).to.have.length(2);
    for (const b of bindings) {
      expect(b.subjects).to.deep.equal([
        { kind: 'ServiceAccount', name: 'prism-operator', namespace: 'prism-system' },
      ]);
    }
    expect(objects.filter((o) => o.kind === 'CustomResourceDefinition')).to.have.length(4);
  });

  it('run two hardened replicas with leader election, probes and the downward API', () => {
    const d = objects.find((o) => o.kind === 'Deployment')!;
    expect(d.spec.replicas).to.equal(2);
    const pod = d.spec.template.spec;
    expect(pod.serviceAccountName).to.equal('prism-operator');
    expect(pod.securityContext).to.deep.include({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    const c = pod.containers[0];
    expect(c.args).to.include('--leader-elect=true');
    expect(c.livenessProbe.httpGet.path).to.equal('/healthz');
    expect(c.readinessProbe.httpGet.path).to.equal('/readyz');
    expect(c.securityContext).to.deep.equal({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
    });
    const fieldOf = (name: string) =>
      (c.env as Json[]).find((e) => e.name === name)?.valueFrom?.fieldRef?.fieldPath as string | undefined;
    expect(fieldOf('POD_NAME')).to.equal('metadata.name');
    expect(fieldOf('POD_NAMESPACE')).to.equal('metadata.namespace');
    expect(c.resources.requests).to.have.keys('cpu', 'memory');
  });
});
