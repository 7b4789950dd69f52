import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../support/paths.js';

function summarize(results: object[], expected: string[] = []): { status: number | null; lastLine: string } {
  const dir = mkdtempSync(join(tmpdir(), 'summary-'));
  try {
    results.forEach((r, i) => {
      writeFileSync(join(dir, `s${i}.json`), JSON.stringify(r));
    });
    const out = spawnSync(process.execPath, [join(repoRoot, 'hack/test-summary.mjs'), dir, ...expected], {
      encoding: 'utf8',
    });
    const lines = out.stdout.trim().split('\n');
    return { status: out.status, lastLine: lines[lines.length - 1] ?? '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const suite = (name: string, passed: number, failed: number, skipped = 0) => ({
  suite: name,
  passed,
  failed,
  skipped,
  durationMs: 1000,
  failures: Array.from({ length: failed }, (_, i) => ({ title: `t${i}`, error: 'boom' })),
});

describe('the CI test summary', () => {
  it('sums every suite into one plain last line and succeeds when nothing failed', () => {
    const r = summarize([suite('unit', 10, 0), suite('integration', 5, 0, 2)]);
    expect(r.lastLine).to.equal('15 passed, 0 failed, 2 skipped');
    expect(r.status).to.equal(0);
  });

  it('fails when any suite failed', () => {
    const r = summarize([suite('unit', 10, 0), suite('integration', 4, 1)]);
    expect(r.lastLine).to.equal('14 passed, 1 failed');
    expect(r.status).to.equal(1);
  });

  it('fails when no test ran at all', () => {
    const r = summarize([]);
    expect(r.lastLine).to.equal('0 passed, 0 failed');
    expect(r.status).to.equal(1);
  });

  it('counts an expected suite that wrote no results as a failure', () => {
    const r = summarize([suite('unit', 3, 0)], ['unit', 'integration']);
    expect(r.lastLine).to.equal('3 passed, 1 failed');
    expect(r.status).to.equal(1);
  });
});
