// The scaler module's public surface.
export * from './types.js';
export { Reason, ScalerError, errorsOf, warningsOf, summarize } from './findings.js';
export { hpaEngine, hpaFor, hpaStatus, metricsFor, validateHpa } from './hpa.js';
export {
  kedaEngine,
  kedaHpaName,
  kedaStatus,
  isKedaHpaFor,
  scaledObjectFor,
  triggerAuthenticationsFor,
  triggerAuthName,
  validateKeda,
  PAUSED_ANNOTATION,
  PAUSED_REPLICAS_ANNOTATION,
} from './keda.js';
export { TRIGGER_TYPES, resolveTrigger, resolveTriggers, validateTrigger, mergeDerived } from './triggers.js';
export { ScalerRegistry, defaultRegistry, engineFor, desiredEngine, DEFAULT_ENGINE } from './registry.js';
export { observeAutoscalers, planSwitch } from './switching.js';
export type {
  ObjectRef,
  ObservedAutoscaler,
  SwitchInput,
  SwitchPlan,
  Decision,
  Verdict,
} from './switching.js';
