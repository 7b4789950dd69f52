// Registers every Prism reconciler with the manager. PrismBackend,
// PrismNamespace and PrismStack reconcilers join PrismPattern here.
import type { OperatorConfig } from '../config.js';
import type { Manager } from '../runtime/manager.js';
import { setupPrismBackend } from './prismbackend.js';
import { setupPrismPattern } from './prismpattern.js';

export function registerControllers(manager: Manager, _config: OperatorConfig): void {
  setupPrismPattern(manager);
  setupPrismBackend(manager);
}
