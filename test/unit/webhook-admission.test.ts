import { expect } from 'chai';
import {
  PrismBackendKind,
  PrismNamespaceKind,
  PrismPatternKind,
  PrismStackKind,
} from '../../src/api/v1alpha1/kinds.js';
import type { KindDefinition } from '../../src/api/v1alpha1/crd.js';
import type { Obj } from '../../src/runtime/object.js';
import type { AdmissionRequest, AdmissionReview, Operation } from '../../src/webhook/admission.js';
import { defaultRequest } from '../../src/webhook/defaults.js';
import { review, servedWebhooks } from '../../src/webhook/handlers.js';
import { webhookPath } from '../../src/webhook/kinds.js';
import { validateRequest } from '../../src/webhook/validate.js';

type Json = Record<string, any>;

const kafka = (metadata: Json = {}, extra: Json = {}) => ({
  type: 'kafka',
  metadata: {
    bootstrapServers: 'kafka:9092',
    consumerGroup: 'orders',
    topic: 'orders',
    lagThreshold: '50',
    ...metadata,
  },
  ...extra,
});

const aPattern = (spec: Json = {}, name = 'orders'): Obj => ({
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismPattern',
  metadata: { name, namespace: 'shop' },
  spec: {
    pattern: 'consumer',
    backend: 'kafka',
    image: 'registry.example/consumer:1',
    resources: { requests: { cpu: '100m', memory: '64Mi' } },
    ...spec,
  },
});

const withKeda = (...triggers: Json[]) => ({
  autoscaling: { enabled: true, scaler: 'keda', minReplicas: 1, maxReplicas: 5, triggers },
});

const aNamespace = (name: string, spec: Json = {}): Obj => ({
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismNamespace',
  metadata: { name },
  spec,
});

const aStack = (name: string, spec: Json): Obj => ({
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismStack',
  metadata: { name, namespace: 'shop' },
  spec: { proxy: { image: 'registry.example/proxy:1' }, ...spec },
});

function request(def: KindDefinition, operation: Operation, object: Obj, oldObject?: Obj): AdmissionRequest {
  return {
    uid: 'req-1',
    kind: { group: 'prism.io', version: 'v1alpha1', kind: def.kind },
    resource: { group: 'prism.io', version: 'v1alpha1', resource: def.plural },
    name: object.metadata.name,
    namespace: object.metadata.namespace,
    operation,
    object,
    oldObject: oldObject ?? null,
  };
}

const create = (def: KindDefinition, obj: Obj) => request(def, 'CREATE', obj);

describe('the validating webhook', () => {
  it('admits a valid PrismPattern with no warnings', () => {
    expect(
      validateRequest(PrismPatternKind, create(PrismPatternKind, aPattern(withKeda(kafka())))),
    ).to.deep.equal({
      errors: [],
      warnings: [],
    });
  });

  it('refuses a KEDA trigger missing required metadata, naming the field and the fix', () => {
    const bad = aPattern(
      withKeda({ type: 'kafka', metadata: { bootstrapServers: 'kafka:9092', topic: 'orders' } }),
    );
    const verdict = validateRequest(PrismPatternKind, create(PrismPatternKind, bad));
    expect(verdict.errors).to.have.length(1);
    expect(verdict.errors[0]).to.match(
      /^spec\.autoscaling\.triggers\[0\]\.metadata\.consumerGroup: is required/,
    );
  });

  it('admits a pattern bound to a PrismBackend whose trigger leaves the connection to the backend, with a warning', () => {
    const bound = aPattern({
      backendRef: { name: 'orders-kafka' },
      ...withKeda({
        type: 'kafka',
        metadata: { consumerGroup: 'orders', topic: 'orders', lagThreshold: '50' },
      }),
    });
    const verdict = validateRequest(PrismPatternKind, create(PrismPatternKind, bound));
    expect(verdict.errors).to.deep.equal([]);
    expect(verdict.warnings.join('\n')).to.match(
      /spec\.autoscaling\.triggers\[0\]\.metadata\.bootstrapServers: .*unless PrismBackend orders-kafka supplies it/,
    );
    const unbound = aPattern(
      withKeda({ type: 'kafka', metadata: { consumerGroup: 'orders', topic: 'orders', lagThreshold: '50' } }),
    );
    expect(validateRequest(PrismPatternKind, create(PrismPatternKind, unbound)).errors).to.have.length(1);
  });

  it('reports schema problems with their field path, before any semantic check', () => {
    const verdict = validateRequest(PrismPatternKind, create(PrismPatternKind, aPattern({ replicas: -1 })));
    expect(verdict.errors).to.deep.equal(['spec.replicas: must be >= 0']);
  });

  it('admits settings the chosen engine ignores, with a warning for each', () => {
    const spec = {
      autoscaling: { enabled: true, scaler: 'hpa', maxReplicas: 5, pollingInterval: 10 },
    };
    const verdict = validateRequest(PrismPatternKind, create(PrismPatternKind, aPattern(spec)));
    expect(verdict.errors).to.deep.equal([]);
    expect(verdict.warnings).to.deep.equal([
      'spec.autoscaling.pollingInterval: is ignored by the hpa engine; set scaler: keda to use it',
    ]);
  });

  it('checks the autoscaling of every PrismStack pattern and of the proxy, with the entry in the path', () => {
    const stack = aStack('shop', {
      proxy: {
        image: 'registry.example/proxy:1',
        ...withKeda({ type: 'kafka', metadata: { bootstrapServers: 'kafka:9092', topic: 'orders' } }),
      },
      patterns: [
        { name: 'orders', pattern: 'consumer', backend: 'kafka', image: 'c:1', ...withKeda(kafka()) },
        {
          name: 'audit',
          pattern: 'consumer',
          backend: 'kafka',
          image: 'c:1',
          ...withKeda(kafka({ lagThreshold: 'lots' })),
        },
      ],
    });
    const verdict = validateRequest(PrismStackKind, create(PrismStackKind, stack));
    expect(verdict.errors).to.have.length(2);
    expect(verdict.errors[0]).to.match(
      /^spec\.proxy\.autoscaling\.triggers\[0\]\.metadata\.consumerGroup: is required/,
    );
    expect(verdict.errors[1]).to.match(
      /^spec\.patterns\[1\]\.autoscaling\.triggers\[0\]\.metadata\.lagThreshold: /,
    );
  });

  it('validates PrismBackends and PrismNamespaces against their schemas', () => {
    const backend: Obj = {
      apiVersion: 'prism.io/v1alpha1',
      kind: 'PrismBackend',
      metadata: { name: 'kafka', namespace: 'shop' },
      spec: { provider: 'kafka', connection: { bootstrapServers: ['kafka'] } },
    };
    expect(validateRequest(PrismBackendKind, create(PrismBackendKind, backend)).errors[0]).to.match(
      /^spec\.connection\.bootstrapServers\[0\]: must match pattern/,
    );
    const ns = aNamespace('team-a', { isolation: 'total' });
    expect(validateRequest(PrismNamespaceKind, create(PrismNamespaceKind, ns)).errors).to.deep.equal([
      'spec.isolation: must be equal to one of the allowed values: none, namespace, strict',
    ]);
  });

  it('lets an update through that leaves an invalid spec as it was, so it can still be deleted', () => {
    const stored = aPattern({ replicas: -1 });
    const unfinalized = { ...stored, metadata: { ...stored.metadata, finalizers: [] } };
    expect(
      validateRequest(PrismPatternKind, request(PrismPatternKind, 'UPDATE', unfinalized, stored)).errors,
    ).to.deep.equal([]);
    const changed = aPattern({ replicas: -2 });
    expect(
      validateRequest(PrismPatternKind, request(PrismPatternKind, 'UPDATE', changed, stored)).errors,
    ).to.have.length(1);
  });
});

describe('the defaulting webhook', () => {
  it('names unnamed KEDA triggers <type>-<index>, as their TriggerAuthentications are named', () => {
    const pattern = aPattern(withKeda(kafka(), kafka({}, { name: 'kafka-0' }), kafka()));
    expect(defaultRequest(PrismPatternKind, create(PrismPatternKind, pattern)).patch).to.deep.equal([
      { op: 'add', path: '/spec/autoscaling/triggers/2/name', value: 'kafka-2' },
    ]);
  });

  it('adds nothing a schema default already covers', () => {
    const pattern = aPattern({ autoscaling: { enabled: true, maxReplicas: 3 } });
    expect(defaultRequest(PrismPatternKind, create(PrismPatternKind, pattern))).to.deep.equal({
      errors: [],
      warnings: [],
    });
  });

  it("sets a new PrismNamespace's spec.namespace to its name, and never touches it afterwards", () => {
    expect(
      defaultRequest(PrismNamespaceKind, create(PrismNamespaceKind, aNamespace('team-a'))).patch,
    ).to.deep.equal([{ op: 'add', path: '/spec/namespace', value: 'team-a' }]);
    const update = request(PrismNamespaceKind, 'UPDATE', aNamespace('team-a'), aNamespace('team-a'));
    expect(defaultRequest(PrismNamespaceKind, update).patch).to.equal(undefined);
  });

  it('leaves spec.namespace unset when the name cannot be a Namespace name, for validation to explain', () => {
    for (const name of ['team.a', 'kube-team', 'default']) {
      expect(defaultRequest(PrismNamespaceKind, create(PrismNamespaceKind, aNamespace(name))).patch).to.equal(
        undefined,
      );
    }
  });

  it('gives new PrismStack namespace entries the Namespace <stack>-<name>, leaving existing entries alone', () => {
    const before = aStack('shop', { namespaces: [{ name: 'a' }] });
    const after = aStack('shop', {
      namespaces: [{ name: 'a' }, { name: 'b' }, { name: 'c', namespace: 'custom' }],
    });
    expect(
      defaultRequest(PrismStackKind, request(PrismStackKind, 'UPDATE', after, before)).patch,
    ).to.deep.equal([{ op: 'add', path: '/spec/namespaces/1/namespace', value: 'shop-b' }]);
  });
});

describe('the webhook routes', () => {
  it('serve validation for all four kinds and defaulting for the kinds that have defaults', () => {
    expect(servedWebhooks().map((w) => webhookPath(w.type, w.def))).to.deep.equal([
      '/validate-prism-io-v1alpha1-prismpattern',
      '/validate-prism-io-v1alpha1-prismbackend',
      '/validate-prism-io-v1alpha1-prismnamespace',
      '/validate-prism-io-v1alpha1-prismstack',
      '/mutate-prism-io-v1alpha1-prismpattern',
      '/mutate-prism-io-v1alpha1-prismnamespace',
      '/mutate-prism-io-v1alpha1-prismstack',
    ]);
  });

  it('answer a denial with the request uid, code 422 and every problem in status.message', () => {
    const bad = aPattern({ replicas: -1, image: '' });
    const body: AdmissionReview = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: create(PrismPatternKind, bad),
    };
    const { response } = review('validate', PrismPatternKind, body);
    expect(response).to.deep.include({ uid: 'req-1', allowed: false });
    expect(response?.status).to.deep.equal({
      code: 422,
      reason: 'Invalid',
      message:
        'PrismPattern orders is invalid: spec.image: must NOT have fewer than 1 characters; spec.replicas: must be >= 0',
    });
  });

  it('answer a defaulting request with a base64 JSONPatch', () => {
    const body: AdmissionReview = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: create(PrismNamespaceKind, aNamespace('team-a')),
    };
    const { response } = review('mutate', PrismNamespaceKind, body);
    expect(response).to.include({ allowed: true, patchType: 'JSONPatch' });
    expect(JSON.parse(Buffer.from(response?.patch ?? '', 'base64').toString())).to.deep.equal([
      { op: 'add', path: '/spec/namespace', value: 'team-a' },
    ]);
  });

  it('refuse a body that is not an admission.k8s.io/v1 AdmissionReview', () => {
    expect(() =>
      review('validate', PrismPatternKind, {
        apiVersion: 'admission.k8s.io/v1beta1',
        kind: 'AdmissionReview',
      }),
    ).to.throw(/admission.k8s.io\/v1 AdmissionReview/);
  });
});
