// `prism-operator render -f <file|->`: reads custom resources, prints the
// children the operator would apply, or the problems that stop it.
import { readFileSync } from 'node:fs';
import { parseAllDocuments, stringify } from 'yaml';
import { PREVIEW_UID, render } from '../render.js';

export const USAGE = `usage: prism-operator [run] [flags]       run the operator (see --help of the README's configuration table)
       prism-operator render -f <file|->   print every child object the operator would apply, as YAML
       prism-operator crds                 print the CustomResourceDefinitions
       prism-operator local-run [flags]    run against the current cluster, or an embedded control plane
                                           when none answers (LOCAL_CLUSTER=embedded|current forces it)
`;

function readInput(file: string): string {
  return readFileSync(file === '-' ? 0 : file, 'utf8');
}

export function renderCommand(
  args: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): number {
  const i = args.findIndex((a) => a === '-f' || a === '--filename');
  const file = i >= 0 ? args[i + 1] : undefined;
  if (!file) {
    err.write(USAGE);
    return 2;
  }
  const docs = parseAllDocuments(readInput(file));
  const syntax = docs.flatMap((d) => d.errors.map((e) => e.message));
  if (syntax.length) {
    err.write(`${file}: not valid YAML:\n  ${syntax.join('\n  ')}\n`);
    return 1;
  }
  const result = render(docs.map((d) => d.toJS() as unknown));
  for (const w of result.warnings) err.write(`warning: ${w}\n`);
  if (result.problems.length) {
    err.write(`invalid input:\n  ${result.problems.join('\n  ')}\n`);
    return 1;
  }
  out.write(`# Rendered by prism-operator; owner uids are shown as ${PREVIEW_UID}.\n`);
  out.write(result.objects.map((o) => stringify(o, { lineWidth: 0 })).join('---\n'));
  return 0;
}
