import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../support/paths.js';

const run = promisify(execFile);

describe('the Makefile', () => {
  it('lists every target in `make help`, each with a one-line description', async () => {
    const makefile = readFileSync(join(repoRoot, 'Makefile'), 'utf8');
    const targets = [...makefile.matchAll(/^([a-zA-Z0-9_-]+):(?!=)/gm)].map((m) => m[1]!);
    expect(targets).to.include.members(['local-run', 'test', 'deploy', 'kind-up', 'local-clean', 'help']);
    const { stdout } = await run('make', ['--no-print-directory', '-s', 'help'], { cwd: repoRoot });
    // eslint-disable-next-line no-control-regex
    const help = stdout.replace(/\u001b\[[0-9;]*m/g, '');
    for (const target of targets) {
      expect(help, target).to.match(new RegExp(`^  ${target} +\\S.*$`, 'm'));
    }
  });
});
