// `make manifests`: writes config/crd/bases/*.yaml from src/api and
// config/webhook/manifests.yaml from src/webhook. With --check,
// exits non-zero (listing the files) when the checked-in YAML is stale.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crdFileName, crdYaml } from '../src/api/v1alpha1/crd.js';
import { KINDS } from '../src/api/v1alpha1/kinds.js';
import { webhookManifestsYaml } from '../src/webhook/manifests.js';

const dir = resolve(import.meta.dirname, '..', 'config', 'crd', 'bases');
const check = process.argv.includes('--check');
const stale: string[] = [];
const files: [string, string][] = [
  ...KINDS.map((def): [string, string] => [join(dir, crdFileName(def)), crdYaml(def)]),
  [resolve(dir, '..', '..', 'webhook', 'manifests.yaml'), webhookManifestsYaml()],
];
for (const [file, yaml] of files) {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (current === yaml) continue;
  if (check) stale.push(file);
  else {
    writeFileSync(file, yaml);
    console.log(`wrote ${file}`);
  }
}
if (stale.length) {
  console.error(`stale manifests (run 'make manifests'):\n  ${stale.join('\n  ')}`);
  process.exit(1);
}
