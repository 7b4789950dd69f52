// The webhook server's settings from the operator's configuration.
import type { OperatorConfig } from '../config.js';
import type { KubeClient } from '../runtime/kube-client.js';
import type { Logger } from '../runtime/logger.js';
import { parseBindAddress } from '../runtime/server.js';
import type { WebhookServerOptions } from './server.js';

/** Every name the API server may use for the webhook Service. */
export function serviceHosts(service: string, namespace: string): string[] {
  return [
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
    `${service}.${namespace}`,
    service,
  ];
}

export function webhookServerOptions(
  c: OperatorConfig,
  client: KubeClient,
  log: Logger,
): WebhookServerOptions {
  return {
    ...parseBindAddress(c.webhookBindAddress),
    log,
    certs: c.webhookCertDir
      ? { dir: c.webhookCertDir }
      : {
          rotator: {
            client,
            namespace: c.webhookNamespace,
            secretName: c.webhookSecretName,
            hosts: serviceHosts(c.webhookServiceName, c.webhookNamespace),
            validityMs: c.webhookCertValidityMs,
            validatingConfiguration: c.webhookConfigurationName,
            mutatingConfiguration: c.webhookConfigurationName,
          },
        },
  };
}
