// Sums the per-suite results written by test/support/summary-reporter.cjs and
// prints the single line CI reads: "N passed, N failed[, N skipped]".
// Exits non-zero when anything failed, when no test ran, or when an expected
// suite wrote no results (it crashed before mocha finished).
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [dir = '.test-results', ...expected] = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
const seen = new Set();
if (existsSync(dir)) {
  for (const f of readdirSync(dir)
    .filter((n) => n.endsWith('.json'))
    .sort()) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    seen.add(r.suite);
    passed += r.passed;
    failed += r.failed;
    skipped += r.skipped;
    const secs = (r.durationMs / 1000).toFixed(1);
    console.log(`suite ${r.suite}: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped in ${secs}s`);
    for (const x of r.failures) console.log(`  FAILED ${x.title}: ${x.error.split('\n')[0]}`);
  }
}
for (const s of expected) {
  if (!seen.has(s)) {
    console.log(`suite ${s}: produced no results (it did not run to completion)`);
    failed += 1;
  }
}
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
