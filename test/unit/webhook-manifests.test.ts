import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { webhookConfigurations, webhookManifestsYaml } from '../../src/webhook/manifests.js';
import { repoRoot } from '../support/paths.js';

type Json = Record<string, any>;

describe('the webhook configurations', () => {
  it('are checked in at config/webhook/manifests.yaml exactly as src/webhook generates them (run make manifests)', () => {
    expect(readFileSync(join(repoRoot, 'config', 'webhook', 'manifests.yaml'), 'utf8')).to.equal(
      webhookManifestsYaml(),
    );
  });

  it('match only prism.io kinds, fail closed, have no side effects and answer within 5 seconds', () => {
    const webhooks = webhookConfigurations().flatMap((c) => c.webhooks as Json[]);
    expect(webhooks).to.have.length(7);
    for (const w of webhooks) {
      expect(w).to.deep.include({
        failurePolicy: 'Fail',
        sideEffects: 'None',
        timeoutSeconds: 5,
        matchPolicy: 'Equivalent',
        admissionReviewVersions: ['v1'],
      });
      for (const rule of w.rules as Json[]) {
        expect(rule.apiGroups).to.deep.equal(['prism.io']);
        expect(rule.resources).to.have.length(1);
        expect(rule.resources[0]).to.match(/^prism[a-z]+s$/);
      }
    }
  });
});
