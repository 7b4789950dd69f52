import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { parseAllDocuments } from 'yaml';
import { renderCommand } from '../../src/cli/render-command.js';
import { render } from '../../src/render.js';
import { repoRoot } from '../support/paths.js';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

const samplesDir = join(repoRoot, 'samples');
const docsOf = (file: string) =>
  parseAllDocuments(readFileSync(file, 'utf8')).map((d) => d.toJS() as unknown);

describe('prism-operator render', () => {
  const expected: Record<string, string[]> = {
    'prismpattern_hpa_example.yaml': ['Deployment', 'Service', 'HorizontalPodAutoscaler'],
    'prismpattern_keda_kafka_example.yaml': ['Deployment', 'ScaledObject', 'TriggerAuthentication'],
    'prismpattern_keda_multi_trigger_example.yaml': ['Deployment', 'ScaledObject', 'TriggerAuthentication'],
    'prismpattern_custom_metrics_example.yaml': ['Deployment', 'Service', 'HorizontalPodAutoscaler'],
    'prismpattern_production_example.yaml': [
      'ConfigMap',
      'Deployment',
      'Service',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
    ],
  };
  for (const file of readdirSync(samplesDir).filter((f) => f.startsWith('prismpattern_'))) {
    it(`renders ${file} into its children with no problem and no warning`, () => {
      const result = render(docsOf(join(samplesDir, file)));
      expect(result.problems).to.deep.equal([]);
      expect(result.warnings).to.deep.equal([]);
      expect(result.objects.map((o) => o.kind)).to.deep.equal(expected[file]);
      for (const o of result.objects) {
        expect(o.metadata.labels?.['app.kubernetes.io/managed-by'], `${o.kind} label`).to.equal(
          'prism-operator',
        );
        expect(o.metadata.ownerReferences?.[0]?.kind, `${o.kind} owner`).to.equal('PrismPattern');
      }
    });
  }

  it('renders prismstack_example.yaml into the stack’s own children, each owned by the stack', () => {
    const result = render(docsOf(join(samplesDir, 'prismstack_example.yaml')));
    expect(result.problems).to.deep.equal([]);
    expect(result.objects.map((o) => `${o.kind}/${o.metadata.name}`)).to.have.members([
      'PrismBackend/shop-kafka',
      'PrismNamespace/shop-tenant-a',
      'PrismPattern/shop-orders-consumer',
      'ServiceAccount/shop-admin',
      'Role/shop-admin-leader-election',
      'RoleBinding/shop-admin-leader-election',
      'ConfigMap/shop-proxy-config',
      'Deployment/shop-proxy',
      'Deployment/shop-admin',
      'Service/shop-proxy',
      'Service/shop-admin',
      'HorizontalPodAutoscaler/shop-proxy',
    ]);
    for (const o of result.objects) {
      expect(o.metadata.ownerReferences?.[0]?.kind, `${o.kind} owner`).to.equal('PrismStack');
    }
  });

  it('sends KEDA trigger metadata as strings and points authenticationRef at a TriggerAuthentication', () => {
    const { objects } = render(docsOf(join(samplesDir, 'prismpattern_keda_kafka_example.yaml')));
    const so = objects.find((o) => o.kind === 'ScaledObject') as Record<string, any>;
    const ta = objects.find((o) => o.kind === 'TriggerAuthentication') as Record<string, any>;
    expect(so.spec.triggers[0].metadata.lagThreshold).to.equal('1000');
    expect(so.spec.triggers[0].authenticationRef).to.deep.equal({
      name: ta.metadata.name,
      kind: 'TriggerAuthentication',
    });
    expect(ta.spec.secretTargetRef).to.deep.include({
      parameter: 'password',
      name: 'kafka-credentials',
      key: 'password',
    });
  });

  it('prints YAML on stdout and exits 0 for valid input', () => {
    const out = capture();
    const err = capture();
    const code = renderCommand(
      ['-f', join(samplesDir, 'prismpattern_hpa_example.yaml')],
      out.stream,
      err.stream,
    );
    expect(code).to.equal(0);
    const kinds = parseAllDocuments(out.text()).map((d) => (d.toJS() as { kind: string }).kind);
    expect(kinds).to.deep.equal(['Deployment', 'Service', 'HorizontalPodAutoscaler']);
  });

  it('exits non-zero with every validation message for invalid input, and prints no object', () => {
    const bad = [
      {
        apiVersion: 'prism.io/v1alpha1',
        kind: 'PrismPattern',
        metadata: { name: 'broken', namespace: 'x' },
        spec: { pattern: 'Consumer!', backend: 'kafka' },
      },
      {
        apiVersion: 'prism.io/v1alpha1',
        kind: 'PrismPattern',
        metadata: { name: 'badkeda', namespace: 'x' },
        spec: {
          pattern: 'consumer',
          backend: 'kafka',
          image: 'i',
          autoscaling: {
            enabled: true,
            scaler: 'keda',
            maxReplicas: 3,
            triggers: [{ type: 'kafka', metadata: { lagThreshold: 'abc' } }],
          },
        },
      },
    ];
    const result = render(bad);
    expect(result.objects).to.deep.equal([]);
    const text = result.problems.join('\n');
    expect(text).to.include("PrismPattern x/broken: spec: must have required property 'image'");
    expect(text).to.include('PrismPattern x/broken: spec.pattern: must match pattern');
    expect(text).to.include('PrismPattern x/badkeda: spec.autoscaling.triggers[0].metadata.lagThreshold');
    expect(text).to.include('bootstrapServers');
    const err = capture();
    expect(renderCommand(['-f'], capture().stream, err.stream)).to.equal(2);
  });
});
