// The kinds the webhooks serve and the paths the API server calls them on
// (controller-runtime's convention: /validate-<group with dashes>-<version>-<kind>).
import { GROUP, VERSION } from '../api/v1alpha1/common.js';
import { KINDS } from '../api/v1alpha1/kinds.js';
import type { KindDefinition } from '../api/v1alpha1/crd.js';

export type WebhookType = 'validate' | 'mutate';

export const webhookPath = (type: WebhookType, def: KindDefinition) =>
  `/${type}-${GROUP.replace(/\./g, '-')}-${VERSION}-${def.kind.toLowerCase()}`;

/** The webhook's name in a webhook configuration: a qualified name, unique per configuration. */
export const webhookName = (type: WebhookType, def: KindDefinition) =>
  `${type === 'validate' ? 'v' : 'm'}${def.singular}.${GROUP}`;

export { KINDS };
