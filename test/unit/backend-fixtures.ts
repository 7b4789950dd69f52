// Backend specs that read like sentences:
//   aBackend('kafka').at('kafka-0:9092', 'kafka-1:9092').withSecret('kafka-creds', { password: 'pw' }).spec
import type { PrismBackendSpec } from '../../src/api/v1alpha1/prismbackend.js';

type Provider = PrismBackendSpec['provider'];
type Keys = NonNullable<PrismBackendSpec['secretRef']>['keys'];

export class BackendBuilder {
  spec: PrismBackendSpec;

  constructor(provider: Provider) {
    this.spec = { provider, connection: {} };
  }

  /** Broker or server addresses: bootstrapServers for kafka, endpoints for the rest. */
  at(...addresses: string[]): this {
    const field = this.spec.provider === 'kafka' ? 'bootstrapServers' : 'endpoints';
    return this.connect({ [field]: addresses });
  }

  connect(connection: PrismBackendSpec['connection']): this {
    this.spec = { ...this.spec, connection: { ...this.spec.connection, ...connection } };
    return this;
  }

  withSecret(name: string, keys: Keys): this {
    this.spec = { ...this.spec, secretRef: { name, keys } };
    return this;
  }

  withTls(tls: NonNullable<PrismBackendSpec['tls']> = { enabled: true }): this {
    this.spec = { ...this.spec, tls };
    return this;
  }

  withHealthCheck(healthCheck: NonNullable<PrismBackendSpec['healthCheck']>): this {
    this.spec = { ...this.spec, healthCheck };
    return this;
  }
}

export const aBackend = (provider: Provider) => new BackendBuilder(provider);
