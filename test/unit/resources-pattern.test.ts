import { expect } from 'chai';
import type { PrismPatternSpec } from '../../src/api/v1alpha1/prismpattern.js';
import type { Owner } from '../../src/resources/meta.js';
import {
  CONFIG_CHECKSUM_ANNOTATION,
  configMapFor,
  deploymentFor,
  pdbFor,
  serviceFor,
} from '../../src/resources/pattern.js';

const owner: Owner = {
  apiVersion: 'prism.io/v1alpha1',
  kind: 'PrismPattern',
  name: 'orders',
  namespace: 'shop',
  uid: 'u-1',
};
const base: PrismPatternSpec = { pattern: 'consumer', backend: 'kafka', image: 'ghcr.io/prism/consumer:1.2' };

type Json = Record<string, any>;

const deployment = (spec: Partial<PrismPatternSpec> = {}) =>
  deploymentFor(owner, { ...base, ...spec }) as Json;
const podSpec = (spec: Partial<PrismPatternSpec> = {}) => deployment(spec).spec.template.spec as Json;
const container = (spec: Partial<PrismPatternSpec> = {}) => podSpec(spec).containers[0] as Json;

describe('PrismPattern builders', () => {
  it('labels and owns the Deployment, and selects only on identity labels', () => {
    const d = deployment();
    expect(d.metadata).to.deep.include({ name: 'orders', namespace: 'shop' });
    expect(d.metadata.labels).to.include({
      'app.kubernetes.io/managed-by': 'prism-operator',
      'app.kubernetes.io/instance': 'orders',
      'prism.io/pattern': 'consumer',
      'prism.io/backend': 'kafka',
    });
    expect(d.metadata.ownerReferences).to.deep.equal([
      {
        apiVersion: 'prism.io/v1alpha1',
        kind: 'PrismPattern',
        name: 'orders',
        uid: 'u-1',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
    expect(d.spec.selector.matchLabels).to.deep.equal({
      'app.kubernetes.io/name': 'prism-pattern',
      'app.kubernetes.io/instance': 'orders',
    });
  });

  it('keeps the selector unchanged when the pattern or backend is edited (selectors are immutable)', () => {
    expect(deployment({ pattern: 'producer', backend: 'nats' }).spec.selector).to.deep.equal(
      deployment().spec.selector,
    );
    expect(deployment({ pattern: 'producer' }).spec.template.metadata.labels['prism.io/pattern']).to.equal(
      'producer',
    );
  });

  it('sets replicas when autoscaling is off and leaves them to the autoscaler when it is on', () => {
    expect(deployment().spec.replicas).to.equal(1);
    expect(deployment({ replicas: 3 }).spec.replicas).to.equal(3);
    expect(
      deployment({ replicas: 3, autoscaling: { enabled: true, maxReplicas: 5 } }).spec,
    ).not.to.have.property('replicas');
    expect(
      deployment({ replicas: 3, autoscaling: { enabled: false, maxReplicas: 5 } }).spec.replicas,
    ).to.equal(3);
  });

  it('passes no made-up flags to the runner and describes it through environment variables', () => {
    const c = container();
    expect(c).not.to.have.property('args');
    expect(c.env).to.deep.include({ name: 'PRISM_PATTERN', value: 'consumer' });
    expect(container({ args: ['-proxy-addr=proxy:8980'] }).args).to.deep.equal(['-proxy-addr=proxy:8980']);
  });

  it('runs with secure defaults that users can override', () => {
    expect(podSpec().securityContext).to.deep.equal({
      runAsNonRoot: true,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container().securityContext).to.deep.equal({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
    });
    expect(container({ securityContext: { runAsUser: 1000 } }).securityContext).to.deep.equal({
      runAsUser: 1000,
    });
    // A read-only root still needs somewhere to write.
    expect(container().volumeMounts).to.deep.include({ name: 'tmp', mountPath: '/tmp' });
  });

  it('mounts the config ConfigMap and rolls the pods when the config changes', () => {
    const cm = configMapFor(owner, { ...base, config: { 'runner.yaml': 'batch: 10' } }) as Json;
    expect(cm.metadata.name).to.equal('orders-config');
    expect(cm.data).to.deep.equal({ 'runner.yaml': 'batch: 10' });
    const a = deployment({ config: { 'runner.yaml': 'batch: 10' } });
    const b = deployment({ config: { 'runner.yaml': 'batch: 20' } });
    expect(a.spec.template.spec.volumes).to.deep.include({
      name: 'config',
      configMap: { name: 'orders-config' },
    });
    expect(a.spec.template.spec.containers[0].volumeMounts).to.deep.include({
      name: 'config',
      mountPath: '/etc/prism/config',
      readOnly: true,
    });
    const checksum = (d: Json) => d.spec.template.metadata.annotations[CONFIG_CHECKSUM_ANNOTATION] as string;
    expect(checksum(a)).to.match(/^[0-9a-f]{16}$/);
    expect(checksum(a)).not.to.equal(checksum(b));
    expect(configMapFor(owner, base)).to.equal(undefined);
    expect(deployment().spec.template.metadata).not.to.have.property('annotations');
  });

  it('copies placement, resources, probes and pull secrets into the pod', () => {
    const ps = podSpec({
      placement: {
        nodeSelector: { pool: 'data' },
        tolerations: [{ key: 'dedicated', operator: 'Exists' }],
        priorityClassName: 'high',
        runtimeClassName: 'gvisor',
      },
      imagePullSecrets: [{ name: 'regcred' }],
      serviceAccountName: 'runner',
      resources: { requests: { cpu: '100m' }, limits: { memory: '256Mi' } },
      readinessProbe: { grpc: { port: 8080 } },
    });
    expect(ps).to.deep.include({
      nodeSelector: { pool: 'data' },
      tolerations: [{ key: 'dedicated', operator: 'Exists' }],
      priorityClassName: 'high',
      runtimeClassName: 'gvisor',
      imagePullSecrets: [{ name: 'regcred' }],
      serviceAccountName: 'runner',
    });
    expect(ps.containers[0].resources).to.deep.equal({
      requests: { cpu: '100m' },
      limits: { memory: '256Mi' },
    });
    expect(ps.containers[0].readinessProbe).to.deep.equal({ grpc: { port: 8080 } });
    expect(ps).not.to.have.property('affinity');
  });

  it('builds the Service only when asked, on the identity selector, with the container port to match', () => {
    expect(serviceFor(owner, base)).to.equal(undefined);
    const svc = serviceFor(owner, {
      ...base,
      service: { port: 9090, type: 'NodePort', annotations: { a: 'b' } },
    }) as Json;
    expect(svc.spec).to.deep.equal({
      type: 'NodePort',
      selector: { 'app.kubernetes.io/name': 'prism-pattern', 'app.kubernetes.io/instance': 'orders' },
      ports: [{ name: 'grpc', port: 9090, targetPort: 9090, protocol: 'TCP' }],
    });
    expect(svc.metadata.annotations).to.deep.equal({ a: 'b' });
    expect(container({ service: { port: 9090 } }).ports).to.deep.equal([
      { name: 'grpc', containerPort: 9090, protocol: 'TCP' },
    ]);
  });

  it('builds a PodDisruptionBudget with exactly the budget given', () => {
    expect(pdbFor(owner, base)).to.equal(undefined);
    const pdb = pdbFor(owner, { ...base, disruption: { maxUnavailable: '25%' } }) as Json;
    expect(pdb.apiVersion).to.equal('policy/v1');
    expect(pdb.spec).to.deep.equal({
      selector: {
        matchLabels: { 'app.kubernetes.io/name': 'prism-pattern', 'app.kubernetes.io/instance': 'orders' },
      },
      maxUnavailable: '25%',
    });
  });
});
