import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_PERMISSIONS } from '../../src/controllers/permissions.js';
import { allows, generatedRbacFiles, rulesFor } from '../../src/controllers/rbac.js';
import { repoRoot } from '../support/paths.js';

describe('generated RBAC', () => {
  for (const [file, yaml] of Object.entries(generatedRbacFiles())) {
    it(`checks in config/rbac/${file} exactly as src/controllers/permissions.ts generates it (run make manifests)`, () => {
      expect(readFileSync(join(repoRoot, 'config', 'rbac', file), 'utf8')).to.equal(yaml);
    });
  }

  it('allows a verb only on the resources and groups a rule names', () => {
    const rules = rulesFor(CLUSTER_PERMISSIONS);
    expect(allows(rules, 'apps', 'deployments/scale', 'patch')).to.equal(true);
    expect(allows(rules, 'apps', 'deployments/scale', 'update')).to.equal(false);
    expect(allows(rules, '', 'pods', 'get')).to.equal(false);
    expect(allows(rules, '', 'secrets', 'create')).to.equal(false);
    expect(allows(rules, 'autoscaling', 'horizontalpodautoscalers', 'deletecollection')).to.equal(false);
  });
});
