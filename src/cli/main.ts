#!/usr/bin/env node
// prism-operator command line: `run` (the default) starts the operator;
// `render -f <file|->` prints the children the operator would create; `crds`
// prints the CustomResourceDefinitions; `local-run` runs the operator against
// the current cluster or an embedded control plane (`make local-run`).
import { crdYaml } from '../api/v1alpha1/crd.js';
import { KINDS } from '../api/v1alpha1/kinds.js';
import { run } from '../main.js';
import { USAGE, renderCommand } from './render-command.js';

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'render':
      return renderCommand(rest, process.stdout, process.stderr);
    case 'crds':
      process.stdout.write(KINDS.map((k) => crdYaml(k)).join('---\n'));
      return 0;
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return 0;
    case 'run':
      await run(rest, process.env);
      return -1; // keeps running
    case 'local-run': {
      // Loaded only here: it brings in @kubernetes/client-node, which `run` does without (memory).
      const { localRun } = await import('./local-run.js');
      await localRun(rest, process.env, {
        progress: (line) => process.stderr.write(`${line}\n`),
        stdoutIsTTY: process.stdout.isTTY,
      });
      return -1;
    }
    default:
      await run(argv, process.env);
      return -1;
  }
}

main(process.argv.slice(2))
  .then((code) => {
    if (code >= 0) process.exitCode = code;
  })
  .catch((e: unknown) => {
    process.stderr.write(`prism-operator: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  });
