import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTable, renderReadme } from '../../hack/gen-docs.js';
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
});
