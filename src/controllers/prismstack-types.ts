// The PrismStack object as the controllers see it.
import type { PrismStackSpec, PrismStackStatus } from '../api/v1alpha1/prismstack.js';
import type { Obj } from '../runtime/object.js';

export interface PrismStack extends Obj {
  spec: PrismStackSpec;
  status?: PrismStackStatus;
}
