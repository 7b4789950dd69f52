// A PrismPattern's spec.backendRef, resolved from the backend cache: what the
// Deployment gets (connection env, Secret references, a checksum) and what its
// KEDA triggers inherit; or why the pattern cannot run yet (BackendNotFound).
import type { Manager } from '../runtime/manager.js';
import { backendBindingFor } from '../resources/backend.js';
import type { BackendBinding } from '../resources/pattern.js';
import { backendDerivation } from '../scaler/backend-metadata.js';
import type { ScalerInput } from '../scaler/types.js';
import { BACKENDS_CACHE, type PrismBackend } from './backend-refs.js';
import type { PrismPattern } from './prismpattern.js';

export type Derivation = Pick<ScalerInput, 'derivedMetadata' | 'derivedSecretRefs'>;

export type BackendResolution =
  | { kind: 'none' }
  | { kind: 'missing'; reason: 'BackendNotFound'; message: string }
  | { kind: 'bound'; backend: PrismBackend; binding: BackendBinding; derivation: Derivation };

export function resolveBackend(mgr: Manager, pattern: PrismPattern): BackendResolution {
  const ref = pattern.spec.backendRef;
  if (!ref) return { kind: 'none' };
  const namespace = pattern.metadata.namespace;
  const backend = mgr.cache<PrismBackend>(BACKENDS_CACHE).get(namespace, ref.name);
  if (!backend || backend.metadata.deletionTimestamp) {
    return {
      kind: 'missing',
      reason: 'BackendNotFound',
      message: `PrismBackend ${ref.name} does not exist in namespace ${namespace ?? ''}; create it or fix spec.backendRef.name (the pattern's workload is left as it is until then)`,
    };
  }
  return {
    kind: 'bound',
    backend,
    binding: backendBindingFor(backend.metadata.name, backend.spec),
    derivation: backendDerivation(backend.spec),
  };
}

/** The scaler hooks of a pattern: derived metadata only for a bound backend. */
export function derivationOf(resolution: BackendResolution): Derivation {
  return resolution.kind === 'bound' ? resolution.derivation : {};
}
