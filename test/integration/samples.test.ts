import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setupPrismPattern } from '../../src/controllers/prismpattern.js';
import { setupPrismStack } from '../../src/controllers/prismstack.js';
import type { Manager } from '../../src/runtime/manager.js';
import { kubectl } from '../support/env.js';
import { installKedaCrds } from '../support/keda.js';
import { testManager } from '../support/manager.js';
import { crdDir, repoRoot } from '../support/paths.js';
import { eventually } from '../support/wait.js';

type Json = Record<string, any>;
const samplesDir = join(repoRoot, 'samples');

describe('the samples', function () {
  this.timeout(90_000);
  let mgr: Manager;

  before(async () => {
    await kubectl('apply', '--server-side', '--force-conflicts', '-f', crdDir);
    await kubectl('wait', '--for=condition=Established', '--all', 'crd', '--timeout=30s');
    await installKedaCrds(kubectl);
    mgr = await testManager();
    setupPrismPattern(mgr);
    setupPrismStack(mgr);
    await mgr.start();
  });

  after(async () => {
    await mgr.stop();
  });

  for (const file of readdirSync(samplesDir).filter((f) => f.startsWith('prismpattern_'))) {
    it(`accepts and reconciles ${file}`, async () => {
      const applied = await kubectl('apply', '--server-side', '-f', join(samplesDir, file), '-o', 'json');
      const items = (JSON.parse(applied) as Json).items as Json[] | undefined;
      const patterns = (items ?? [JSON.parse(applied) as Json]).filter((o) => o.kind === 'PrismPattern');
      expect(patterns).to.have.length.greaterThan(0);
      for (const p of patterns) {
        const { namespace, name } = p.metadata;
        const status = await eventually(
          async () => {
            const cur = JSON.parse(
              await kubectl('-n', namespace, 'get', 'prismpattern', name, '-o', 'json'),
            ) as Json;
            return cur.status?.observedGeneration === cur.metadata.generation ? cur.status : undefined;
          },
          { what: `${name} to be reconciled` },
        );
        expect(status.phase, `${name}: ${JSON.stringify(status.conditions)}`).to.not.equal('Invalid');
        expect(status.phase).to.not.equal('Degraded');
        const kind = p.spec.autoscaling?.scaler === 'keda' ? 'scaledobject' : 'hpa';
        await eventually(() => kubectl('-n', namespace, 'get', kind, name), { what: `${kind} ${name}` });
        await kubectl('-n', namespace, 'get', 'deployment', name);
      }
    });
  }

  for (const file of readdirSync(samplesDir).filter((f) => f.startsWith('prismstack_'))) {
    it(`accepts and reconciles ${file}`, async () => {
      const applied = await kubectl('apply', '--server-side', '-f', join(samplesDir, file), '-o', 'json');
      const items = (JSON.parse(applied) as Json).items as Json[] | undefined;
      const stacks = (items ?? [JSON.parse(applied) as Json]).filter((o) => o.kind === 'PrismStack');
      expect(stacks).to.have.length.greaterThan(0);
      for (const s of stacks) {
        const { namespace, name } = s.metadata;
        const get = async (kind: string, obj: string) =>
          JSON.parse(await kubectl('-n', namespace, 'get', kind, obj, '-o', 'json')) as Json;
        const status = await eventually(
          async () => {
            const cur = await get('prismstack', name);
            return cur.status?.observedGeneration === cur.metadata.generation ? cur.status : undefined;
          },
          { what: `${name} to be reconciled`, timeoutMs: 60_000 },
        );
        expect(status.phase, `${name}: ${JSON.stringify(status.conditions)}`).to.not.be.oneOf([
          'Invalid',
          'Degraded',
        ]);
        await kubectl('-n', namespace, 'get', 'deployment', `${name}-proxy`);
        await eventually(() => kubectl('-n', namespace, 'get', 'hpa', `${name}-proxy`), {
          what: 'the proxy HPA',
        });
        if (s.spec.admin) {
          const admin = await get('deployment', `${name}-admin`);
          expect(admin.spec.replicas).to.equal(s.spec.admin.replicas);
        }
        for (const p of s.spec.patterns ?? []) {
          const pattern = await get('prismpattern', `${name}-${p.name}`);
          if (p.backendRef) expect(pattern.spec.backendRef.name).to.equal(`${name}-${p.backendRef.name}`);
          const kind = p.autoscaling?.scaler === 'keda' ? 'scaledobject' : 'deployment';
          await eventually(() => kubectl('-n', namespace, 'get', kind, `${name}-${p.name}`), {
            what: `${kind} ${name}-${p.name}`,
          });
        }
        for (const b of s.spec.backends ?? []) await get('prismbackend', `${name}-${b.name}`);
        for (const n of s.spec.namespaces ?? []) await get('prismnamespace', `${name}-${n.name}`);
      }
    });
  }
});
