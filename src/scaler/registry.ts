// Engines by name. The reconciler asks the registry, so a third engine is one
// register() call: its kinds are watched and cleaned up like the others.
import type { AutoscalingSpec } from '../api/v1alpha1/common.js';
import { ScalerError } from './findings.js';
import { hpaEngine } from './hpa.js';
import { kedaEngine } from './keda.js';
import type { EngineKind, ScalerEngine } from './types.js';

export const DEFAULT_ENGINE = 'hpa';

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0]! : '');

export class ScalerRegistry {
  private readonly engines = new Map<string, ScalerEngine>();

  register(engine: ScalerEngine): this {
    if (this.engines.has(engine.name)) throw new Error(`scaler engine ${engine.name} is already registered`);
    this.engines.set(engine.name, engine);
    return this;
  }

  get(name: string): ScalerEngine | undefined {
    return this.engines.get(name);
  }

  names(): string[] {
    return [...this.engines.keys()];
  }

  all(): ScalerEngine[] {
    return [...this.engines.values()];
  }

  /** The engine the spec names (default hpa), whether or not autoscaling is enabled. */
  engineFor(spec: AutoscalingSpec | undefined): ScalerEngine {
    const name = spec?.scaler ?? DEFAULT_ENGINE;
    const engine = this.engines.get(name);
    if (!engine) {
      throw new ScalerError(
        'UnknownScaler',
        `scaler ${JSON.stringify(name)} is not one of ${this.names().join(', ')}`,
      );
    }
    return engine;
  }

  /** The engine that should run now, or undefined when autoscaling is off. */
  desiredEngine(spec: AutoscalingSpec | undefined): ScalerEngine | undefined {
    return spec?.enabled === true ? this.engineFor(spec) : undefined;
  }

  /** Every kind any engine creates, once each (what the reconciler watches). */
  kinds(): EngineKind[] {
    const seen = new Map<string, EngineKind>();
    for (const k of this.all().flatMap((e) => e.kinds)) seen.set(`${k.apiVersion}/${k.kind}`, k);
    return [...seen.values()];
  }

  /** The engine that creates objects of this kind (any version of its group). */
  engineOwningKind(apiVersion: string, kind: string): ScalerEngine | undefined {
    const group = groupOf(apiVersion);
    return this.all().find((e) => e.kinds.some((k) => k.kind === kind && groupOf(k.apiVersion) === group));
  }
}

export const defaultRegistry = new ScalerRegistry().register(hpaEngine).register(kedaEngine);

/** The engine the spec names (default hpa); throws ScalerError UnknownScaler for an unregistered name. */
export const engineFor = (spec: AutoscalingSpec | undefined): ScalerEngine => defaultRegistry.engineFor(spec);

/** The engine that should run now, or undefined when autoscaling is off. */
export const desiredEngine = (spec: AutoscalingSpec | undefined) => defaultRegistry.desiredEngine(spec);
