// The kinds of prism.io/v1alpha1 and how each appears to kubectl.
import type { KindDefinition } from './crd.js';
import { PrismPatternSpec, PrismPatternStatus } from './prismpattern.js';

export const PrismPatternKind: KindDefinition = {
  kind: 'PrismPattern',
  plural: 'prismpatterns',
  singular: 'prismpattern',
  shortNames: ['ppat'],
  description:
    'PrismPattern runs one Prism pattern runner, with optional Service, config and autoscaling (HPA or KEDA).',
  spec: PrismPatternSpec,
  status: PrismPatternStatus,
  printerColumns: [
    { name: 'Pattern', type: 'string', jsonPath: '.spec.pattern' },
    { name: 'Backend', type: 'string', jsonPath: '.spec.backend' },
    { name: 'Scaler', type: 'string', jsonPath: '.status.scaler.engine' },
    { name: 'Replicas', type: 'integer', jsonPath: '.status.replicas' },
    { name: 'Ready', type: 'integer', jsonPath: '.status.readyReplicas' },
    { name: 'Phase', type: 'string', jsonPath: '.status.phase' },
    { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
  ],
  // Children are named after the pattern; KEDA's HPA adds "keda-hpa-" (9 characters) to a 63-character limit.
  rootRules: [
    { rule: 'size(self.metadata.name) <= 54', message: 'PrismPattern names are limited to 54 characters' },
  ],
};

export const KINDS: readonly KindDefinition[] = [PrismPatternKind];
