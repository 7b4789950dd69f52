// Registers every Prism reconciler with the manager. The four reconcilers
// (PrismPattern, PrismBackend, PrismNamespace, PrismStack) arrive with their
// API types; until then the operator runs the bare runtime.
import type { OperatorConfig } from '../config.js';
import type { Manager } from '../runtime/manager.js';

export function registerControllers(_manager: Manager, _config: OperatorConfig): void {
  // Intentionally empty until the Prism API types land.
}
