// `make docs`: regenerates the generated parts of README.md (the configuration
// table) and docs/crd-reference.md from the code, so the documentation cannot
// drift. --check only verifies.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { OPTIONS } from '../src/config.js';
import { crdReference } from './crd-reference.js';

const START = '<!-- generated:config:start -->';
const END = '<!-- generated:config:end -->';

function formatDefault(value: unknown, kind: string): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) return value.length ? `\`${value.join(',')}\`` : '(all namespaces)';
  if (kind === 'duration' && typeof value === 'number')
    return `\`${value >= 1000 ? `${value / 1000}s` : `${value}ms`}\``;
  return `\`${typeof value === 'string' ? value : JSON.stringify(value)}\``;
}

export function configTable(): string {
  const rows = OPTIONS.map(
    (o) => `| \`--${o.flag}\` | \`${o.env}\` | ${formatDefault(o.default({}), o.kind)} | ${o.doc} |`,
  );
  return ['| flag | environment | default | meaning |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

const README = resolve(import.meta.dirname, '..', 'README.md');

/** The README with its generated parts rewritten, formatted as `make fmt` would. */
export async function renderReadme(readme: string): Promise<string> {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the ${START} … ${END} markers`);
  const raw = `${readme.slice(0, start + START.length)}\n${configTable()}\n${readme.slice(end)}`;
  return format(raw, { ...(await resolveConfig(README)), filepath: README });
}

export const CRD_REFERENCE = resolve(import.meta.dirname, '..', 'docs', 'crd-reference.md');

/** docs/crd-reference.md as `make docs` writes it (left unformatted, like the CRDs: Prettier would pad every row). */
export function renderCrdReference(): string {
  return crdReference();
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const reference = renderCrdReference();
  const currentReference = existsSync(CRD_REFERENCE) ? readFileSync(CRD_REFERENCE, 'utf8') : '';
  if (process.argv.includes('--check')) {
    if (reference !== currentReference) {
      console.error("docs/crd-reference.md is stale: run 'make docs'");
      process.exit(1);
    }
  } else if (reference !== currentReference) {
    mkdirSync(resolve(CRD_REFERENCE, '..'), { recursive: true });
    writeFileSync(CRD_REFERENCE, reference);
    console.log('updated docs/crd-reference.md');
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  const file = README;
  const current = readFileSync(file, 'utf8');
  const next = await renderReadme(current);
  if (process.argv.includes('--check')) {
    if (next !== current) {
      console.error("README.md is stale: run 'make docs'");
      process.exit(1);
    }
  } else if (next !== current) {
    writeFileSync(file, next);
    console.log('updated README.md');
  }
}
