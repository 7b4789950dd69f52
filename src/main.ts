// The operator process: configuration, logger, manager, reconcilers, signals.
import { ConfigError, parseConfig, type OperatorConfig } from './config.js';
import { registerControllers } from './controllers/index.js';
import { loadKubeConfig, type KubeConfigLike } from './runtime/kubeconfig.js';
import { createLogger, type Logger } from './runtime/logger.js';
import { Manager, type ManagerConfig } from './runtime/manager.js';
import { parseBindAddress } from './runtime/server.js';
import { webhookServerOptions } from './webhook/options.js';
import { WebhookServer } from './webhook/server.js';
import { setupStatusApi } from './statusapi/index.js';

export const FIELD_MANAGER = 'prism-operator';

export function managerConfig(c: OperatorConfig): ManagerConfig {
  return {
    fieldManager: FIELD_MANAGER,
    hashAnnotation: 'prism.io/applied-hash',
    userAgent: FIELD_MANAGER,
    maxConcurrentReconciles: c.maxConcurrentReconciles,
    queue: { qps: c.queueQps, burst: c.queueBurst, baseDelayMs: c.backoffBaseMs, maxDelayMs: c.backoffMaxMs },
    leaderElection: {
      enabled: c.leaderElect,
      namespace: c.leaderElectionNamespace,
      name: c.leaderElectionId,
      identity: c.podName,
      leaseDurationMs: c.leaseDurationMs,
      renewDeadlineMs: c.renewDeadlineMs,
      retryPeriodMs: c.retryPeriodMs,
    },
    http: parseBindAddress(c.httpBindAddress),
    watchNamespaces: c.watchNamespaces,
  };
}

export async function run(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  let config: OperatorConfig;
  try {
    config = parseConfig(argv, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`prism-operator: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ level: config.logLevel, format: config.logFormat });
  const kubeConfig = await loadKubeConfig({ env });
  const manager = await buildOperator(config, kubeConfig, logger);
  const started: { webhooks?: WebhookServer } = {};

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    Promise.resolve(started.webhooks?.stop())
      .then(() => manager.stop())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error('shutdown failed', { error: String(err) });
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  started.webhooks = await startOperator(manager, config, kubeConfig, logger);
}

/** The manager with every reconciler registered, not started yet (run and local-run share it). */
export async function buildOperator(
  config: OperatorConfig,
  kubeConfig: KubeConfigLike,
  logger: Logger,
): Promise<Manager> {
  const manager = await Manager.create({ kubeConfig, config: managerConfig(config), logger });
  registerControllers(manager, config);
  // After the reconcilers: the status API reads the caches they already watch.
  setupStatusApi(manager, { metricsAuth: config.metricsAuth });
  return manager;
}

/**
 * Starts the manager and, when enabled, the webhook server (returned, for the caller to stop);
 * resolves after the "operator ready" log line (caches synced).
 */
export async function startOperator(
  manager: Manager,
  config: OperatorConfig,
  kubeConfig: KubeConfigLike,
  logger: Logger,
): Promise<WebhookServer | undefined> {
  let webhooks: WebhookServer | undefined;
  logger.info('starting prism-operator', {
    server: kubeConfig.getCurrentCluster()?.server,
    leaderElection: config.leaderElect,
  });
  // Alongside the caches, and on standbys too: the API server may call any replica.
  const startWebhooks = async () => {
    if (config.enableWebhooks)
      webhooks = await WebhookServer.start(webhookServerOptions(config, manager.client, logger));
  };
  await Promise.all([startWebhooks(), manager.start()]);
  logger.info('operator ready', { http: manager.httpAddress });
  return webhooks;
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) {
  run(process.argv.slice(2), process.env).catch((err: unknown) => {
    process.stderr.write(
      `prism-operator: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
