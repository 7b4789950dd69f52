// `make manifests`: writes config/crd/bases/*.yaml from src/api, the RBAC roles
// in config/rbac from src/controllers/permissions.ts and
// config/webhook/manifests.yaml from src/webhook. With --check,
// exits non-zero (listing the files) when the checked-in YAML is stale.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { crdFileName, crdYaml } from '../src/api/v1alpha1/crd.js';
import { KINDS } from '../src/api/v1alpha1/kinds.js';
import { webhookManifestsYaml } from '../src/webhook/manifests.js';
import { generatedRbacFiles } from '../src/controllers/rbac.js';

const dir = resolve(import.meta.dirname, '..', 'config', 'crd', 'bases');
const rbacDir = resolve(import.meta.dirname, '..', 'config', 'rbac');
const check = process.argv.includes('--check');
const stale: string[] = [];
const outputs: [string, string][] = [
  ...KINDS.map((def): [string, string] => [join(dir, crdFileName(def)), crdYaml(def)]),
  ...Object.entries(generatedRbacFiles()).map(([name, yaml]): [string, string] => [
    join(rbacDir, name),
    yaml,
  ]),
  [resolve(dir, '..', '..', 'webhook', 'manifests.yaml'), webhookManifestsYaml()],
];
for (const [file, yaml] of outputs) {
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
