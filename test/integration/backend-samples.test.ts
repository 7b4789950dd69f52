import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setupPrismBackend, type PrismBackendReconciler } from '../../src/controllers/prismbackend.js';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl } from '../support/env.js';
import { installKedaCrds } from '../support/keda.js';
import { testManager } from '../support/manager.js';
import { crdDir, repoRoot } from '../support/paths.js';
import { eventually } from '../support/wait.js';

type Json = Record<string, any>;
const samplesDir = join(repoRoot, 'samples');

describe('the PrismBackend samples', function () {
  this.timeout(120_000);
  let mgr: Manager;
  let backends: PrismBackendReconciler;

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=30s');
    await installKedaCrds(kubectl);
    mgr = await testManager();
    setupPrismPattern(mgr);
    backends = setupPrismBackend(mgr, { loopbackOnly: true });
    await mgr.start();
  });

  after(async () => {
    backends.stop();
    await mgr.stop();
  });

  const reconciled = (kind: string, namespace: string, name: string) =>
    eventually(
      async () => {
        const cur = JSON.parse(await kubectl('-n', namespace, 'get', kind, name, '-o', 'json')) as Json;
        return cur.status?.observedGeneration === cur.metadata.generation ? cur : undefined;
      },
      { what: `${kind} ${name} to be reconciled`, timeoutMs: 60_000 },
    );

  for (const file of readdirSync(samplesDir).filter((f) => f.startsWith('prismbackend_'))) {
    it(`accepts and reconciles ${file}`, async () => {
      const applied = JSON.parse(
        await kubectl('apply', '--server-side', '-f', join(samplesDir, file), '-o', 'json'),
      ) as Json;
      const objects = (applied.items ?? [applied]) as Json[];
      const samples = objects.filter((o) => o.kind === 'PrismBackend');
      expect(samples).to.have.length.greaterThan(0);
      for (const b of samples) {
        const { namespace, name } = b.metadata;
        const cur = await reconciled('prismbackend', namespace, name);
        // Nothing listens at the sample addresses here: Pending or Unreachable is honest, Invalid is a broken sample.
        expect(cur.status.phase, `${name}: ${JSON.stringify(cur.status.conditions)}`).to.not.equal('Invalid');
        const cm = JSON.parse(
          await kubectl('-n', namespace, 'get', 'configmap', `${name}-connection`, '-o', 'json'),
        ) as Json;
        expect(cm.data.PRISM_BACKEND_PROVIDER).to.equal(b.spec.provider);
      }
      for (const p of objects.filter((o) => o.kind === 'PrismPattern')) {
        const { namespace, name } = p.metadata;
        const cur = await reconciled('prismpattern', namespace, name);
        expect(cur.status.phase, `${name}: ${JSON.stringify(cur.status.conditions)}`).to.not.be.oneOf([
          'Invalid',
          'Degraded',
        ]);
        const so = await eventually(
          async () =>
            JSON.parse(await kubectl('-n', namespace, 'get', 'scaledobject', name, '-o', 'json')) as Json,
          { what: `scaledobject ${name}` },
        );
        const backend = samples.find((b) => b.metadata.name === p.spec.backendRef?.name);
        if (backend?.spec.provider === 'kafka') {
          expect(so.spec.triggers[0].metadata.bootstrapServers).to.equal(
            backend.spec.connection.bootstrapServers.join(','),
          );
        }
      }
    });
  }
});
