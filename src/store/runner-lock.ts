// One runner per root: `<root>/.runner/runner.lock` ({pid, start_time, boot_id} of the runner
// holding the root). Two runners on one root would both take up the same records and could run
// a job twice, so a second one is refused while the first lives.
// Invariants: the lock file is made by link(2) (never replaced): of two runners starting at
// once, one gets it. A lock whose process is gone (another pid, another start time, another
// boot) is taken over: renamed aside first, so of two takers only one removes it.
import { renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { JobError } from '../errors.js';
import { bootId, isSameLiveProcess, processStartTime } from '../util/proc.js';
import { makeDirs } from '../util/make-dirs.js';
import { linkIntoPlace, readJsonIfPresent, writeTempFile } from './atomic.js';

interface RunnerLockOwner {
  pid: number;
  start_time: string;
  boot_id: string;
}

const lockPath = (root: string): string => join(root, '.runner', 'runner.lock');
const isLive = (o: RunnerLockOwner | undefined): o is RunnerLockOwner => o !== undefined && o.boot_id === bootId() && isSameLiveProcess(o.pid, o.start_time);

/** Takes the runner lock of `root` for this process; `invalid_state` while another live runner holds it. */
export function lockRunnerRoot(root: string): void {
  const path = lockPath(root);
  makeDirs(join(root, '.runner'), 0o700);
  const me: RunnerLockOwner = { pid: process.pid, start_time: processStartTime(process.pid) ?? '', boot_id: bootId() };
  for (let attempt = 0; attempt < 5; attempt++) {
    linkIntoPlace(writeTempFile(path, JSON.stringify(me) + '\n'), path);
    const owner = readJsonIfPresent<RunnerLockOwner>(path);
    if (owner?.pid === me.pid && owner.start_time === me.start_time && owner.boot_id === me.boot_id) return;
    if (isLive(owner)) {
      throw new JobError('invalid_state', `another runner (pid ${owner.pid}) runs on the root ${root}: one runner per root`, { root, pid: owner.pid });
    }
    const aside = `${path}.stale.${process.pid}.${attempt}`;
    try {
      renameSync(path, aside);
      rmSync(aside, { force: true });
    } catch {
      // Taken over by another starter meanwhile: try again.
    }
  }
  throw new JobError('invalid_state', `cannot take the runner lock of ${root}: other runners keep starting on it`, { root });
}

/** Gives the lock up (when this process holds it). */
export function unlockRunnerRoot(root: string): void {
  const owner = readJsonIfPresent<RunnerLockOwner>(lockPath(root));
  if (owner?.pid === process.pid && owner.boot_id === bootId()) rmSync(lockPath(root), { force: true });
}
