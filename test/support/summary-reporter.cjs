// Mocha reporter: the usual spec output, plus the run's totals written as JSON
// to $PRISM_TEST_RESULTS/<suite>.json so .ci/run can print one summary line
// over every suite. (Mocha loads reporters with require(), hence CommonJS.)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Mocha = require('mocha');

class SummaryReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    const dir = process.env.PRISM_TEST_RESULTS;
    const suite = process.env.PRISM_TEST_SUITE || 'tests';
    const failures = [];
    runner.on('fail', (test, err) =>
      failures.push({ title: test.fullTitle(), error: String(err && err.message) }),
    );
    runner.once('end', () => {
      if (!dir) return;
      fs.mkdirSync(dir, { recursive: true });
      const s = runner.stats;
      const result = {
        suite,
        passed: s.passes,
        failed: s.failures,
        skipped: s.pending,
        durationMs: s.duration,
        failures,
      };
      fs.writeFileSync(path.join(dir, `${suite}.json`), JSON.stringify(result, null, 2));
    });
  }
}

module.exports = SummaryReporter;
