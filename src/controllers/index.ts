// Registers every Prism reconciler with the manager. PrismBackend,
// PrismNamespace and PrismStack reconcilers join PrismPattern here.
import type { OperatorConfig } from '../config.js';
import type { Manager } from '../runtime/manager.js';
import { setupPrismBackend } from './prismbackend.js';
import { setupPrismNamespace } from './prismnamespace.js';
import { setupPrismPattern } from './prismpattern.js';
import { setupPrismStack } from './prismstack.js';

export function registerControllers(manager: Manager, config: OperatorConfig): void {
  setupPrismPattern(manager);
  setupPrismBackend(manager, { loopbackOnly: config.backendProbeLoopbackOnly });
  setupPrismNamespace(manager, {
    clusterScope: config.watchNamespaces.length === 0,
    operatorNamespace: config.operatorNamespace,
  });
  // Last: it shares the caches the other reconcilers create (see watchShared).
  setupPrismStack(manager);
}
