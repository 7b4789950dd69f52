// One cache per resource, whichever reconcilers care about it: a reconciler
// whose children live in a cache another reconciler already watches adds its
// own mapping to that watch instead of opening a second informer.
import type { Manager, WatchSpec } from '../runtime/manager.js';
import type { Obj } from '../runtime/object.js';

/**
 * Watches `name`, or adds `spec.map` to the existing watch of that name. Children
 * carry the managed-by label, so any selector the existing watch has still sees them.
 * Register reconcilers that create a watch outright (mgr.watch) before those using this.
 */
export function watchShared(mgr: Manager, name: string, spec: WatchSpec): void {
  if (!mgr.watching(name)) {
    mgr.watch(name, spec);
    return;
  }
  const informer = mgr.cache<Obj>(name);
  const enqueue = (obj: Obj) => {
    for (const key of spec.map(obj)) mgr.enqueue(key);
  };
  const worthIt = mgr.updatePredicate(spec);
  informer.onAdd(enqueue);
  informer.onUpdate((old, cur) => {
    if (worthIt(old, cur)) enqueue(cur);
  });
  informer.onDelete(enqueue);
}
