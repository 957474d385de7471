// What a queued job waits for before its supervisor starts it: its dependencies (--after,
// --after-ok), then a slot in its queue and its executor (max_concurrent). While it waits the job
// stays `queued` with `waiting_for` saying why; a kill meanwhile ends the wait (nothing started).
import type { JobMeta } from '../store/types.js';
import type { JobErrorInfo } from '../job/state.js';
import type { ReconcileActions } from '../job/reconcile.js';
import type { Config } from '../config.js';
import { waitForDependencies } from './dependencies.js';
import { acquireSlots } from './slot-wait.js';

export type GateResult =
  | { go: true; release: () => void }
  /** Not to be started: killed meanwhile (no failure), or a dependency failed. */
  | { go: false; failure?: JobErrorInfo };

/**
 * Waits until the job may start. `resumed`: the job already runs on a remote executor (a
 * re-attached supervisor), so it takes its slots back without waiting.
 */
export async function passGate(dir: string, meta: JobMeta, config: Config | undefined, resumed: boolean, actions: ReconcileActions): Promise<GateResult> {
  if (!resumed) {
    const deps = await waitForDependencies(dir, meta, actions);
    if (deps !== 'ok') return deps === 'gone' ? { go: false } : { go: false, failure: deps };
  }
  const release = await acquireSlots(dir, meta, config, { resumed, actions });
  if (release === 'gone') return { go: false };
  return { go: true, release };
}
