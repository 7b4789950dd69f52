// `make docs`: regenerates the generated parts of README.md (the configuration
// table) from the code, so the documentation cannot drift. --check only verifies.
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { OPTIONS } from '../src/config.js';

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
