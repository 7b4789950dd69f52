import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldsOf, partSchema } from '../../hack/crd-reference.js';
import { CRD_REFERENCE, configTable, renderCrdReference, renderReadme } from '../../hack/gen-docs.js';
import { KINDS } from '../../src/api/v1alpha1/kinds.js';
import { OPTIONS } from '../../src/config.js';
import { repoRoot } from '../support/paths.js';

describe('generated documentation', () => {
  it('keeps the README configuration table in step with the code (run make docs)', async () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(await renderReadme(readme)).to.equal(readme);
  });

  it('documents every setting with its flag and environment variable', () => {
    const table = configTable();
    for (const o of OPTIONS) expect(table).to.include(`\`--${o.flag}\` | \`${o.env}\``);
  });

  it('keeps docs/crd-reference.md in step with the schemas (run make docs)', () => {
    expect(readFileSync(CRD_REFERENCE, 'utf8')).to.equal(renderCrdReference());
  });

  it('lists every spec and status field of every kind in the CRD reference', () => {
    const reference = renderCrdReference();
    for (const def of KINDS) {
      const paths = (['spec', 'status'] as const).flatMap((part) =>
        fieldsOf(partSchema(def, part), part).map((f) => f.path),
      );
      expect(paths.length, def.kind).to.be.greaterThan(5);
      for (const path of paths) expect(reference, `${def.kind} ${path}`).to.include(`| \`${path}\` |`);
    }
    expect(reference).to.include('| `spec.autoscaling.maxReplicas` |');
  });
});
