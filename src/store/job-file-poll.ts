// The supervisor's view of its job directory while the job runs: one timer tick every
// TICK_MS that stats state.json and meta.json and calls back only when one of them was
// replaced, plus an every-tick callback for the logs. No inotify watch: on a job directory it
// would fire on every single log write (hundreds of thousands per GiB) for nothing.
import { statSync } from 'node:fs';
import { jobFiles } from './jobs.js';

export const TICK_MS = 100;

export interface JobWatchHandlers {
  stateChanged(): void;
  metaChanged(): void;
  tick(): void;
}

function changeStamp(path: string): string {
  try {
    const st = statSync(path);
    return `${st.ino}:${st.mtimeMs}`;
  } catch {
    return '';
  }
}

/** Starts watching; returns the function that stops it. */
export function watchJob(dir: string, handlers: JobWatchHandlers): () => void {
  const files = jobFiles(dir);
  // Empty stamps: the first tick runs both handlers, so nothing written while the supervisor
  // was starting (a kill request, a notify set) is missed. Both handlers are idempotent.
  let stateStamp = '';
  let metaStamp = '';
  const timer = setInterval(() => {
    handlers.tick();
    const s = changeStamp(files.state);
    if (s !== stateStamp) {
      stateStamp = s;
      handlers.stateChanged();
    }
    const m = changeStamp(files.meta);
    if (m !== metaStamp) {
      metaStamp = m;
      handlers.metaChanged();
    }
  }, TICK_MS);
  return () => clearInterval(timer);
}
