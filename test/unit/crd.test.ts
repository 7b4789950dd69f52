import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { crdFileName, crdFor, crdYaml, toStructural } from '../../src/api/v1alpha1/crd.js';
import { KINDS } from '../../src/api/v1alpha1/kinds.js';
import { crdDir } from '../support/paths.js';

function walk(node: unknown, visit: (n: Record<string, unknown>, path: string) => void, path = ''): void {
  if (Array.isArray(node)) node.forEach((n, i) => walk(n, visit, `${path}[${i}]`));
  else if (typeof node === 'object' && node !== null) {
    visit(node as Record<string, unknown>, path);
    for (const [k, v] of Object.entries(node)) walk(v, visit, `${path}.${k}`);
  }
}

describe('generated CRDs', () => {
  for (const def of KINDS) {
    it(`checks in config/crd/bases/${crdFileName(def)} exactly as src/api generates it (run make manifests)`, () => {
      expect(readFileSync(join(crdDir, crdFileName(def)), 'utf8')).to.equal(crdYaml(def));
    });

    it(`gives ${def.kind} a status subresource, short names and the prism category`, () => {
      const crd = crdFor(def) as {
        spec: {
          names: { shortNames: string[]; categories: string[] };
          versions: { subresources: unknown }[];
        };
      };
      expect(crd.spec.names.categories).to.deep.equal(['prism']);
      expect(crd.spec.names.shortNames).to.have.length.greaterThan(0);
      expect(crd.spec.versions[0]?.subresources).to.deep.equal({ status: {} });
    });

    it(`emits a structural schema for ${def.kind}: no pattern records and no additionalProperties: false`, () => {
      const crd = crdFor(def);
      walk(crd, (n, path) => {
        expect(n, path).not.to.have.property('patternProperties');
        expect(n.additionalProperties, path).not.to.equal(false);
      });
    });
  }

  it('turns a record into additionalProperties and leaves CEL rules alone', () => {
    expect(
      toStructural({
        type: 'object',
        patternProperties: { '^(.*)$': { type: 'string' } },
        'x-kubernetes-validations': [{ rule: 'size(self) < 3', message: 'm' }],
      }),
    ).to.deep.equal({
      type: 'object',
      additionalProperties: { type: 'string' },
      'x-kubernetes-validations': [{ rule: 'size(self) < 3', message: 'm' }],
    });
  });
});
