// A sleep that a change in a directory ends early: the retry timer and the cloud reaper sleep
// until their next due time or until someone tells them something changed.
import { watch } from 'node:fs';

/** Resolves after `ms`, or earlier when an entry of `dir` whose name passes `interesting` changes. */
export function sleepUntilChange(dir: string, ms: number, interesting: (name: string) => boolean): Promise<void> {
  return new Promise((resolve) => {
    let watcher: ReturnType<typeof watch> | undefined;
    const done = (): void => {
      clearTimeout(timer);
      watcher?.close();
      resolve();
    };
    const timer = setTimeout(done, ms);
    try {
      watcher = watch(dir, (_event, name) => {
        if (name !== null && interesting(name)) done();
      });
      watcher.on('error', () => undefined);
    } catch {
      // No inotify watch: the timeout alone.
    }
  });
}
