// The keys of an [executors.NAME] table with type = "runner": the runner that pulls this
// executor's jobs presents the token held in `token_file`; `lease` is how long a claimed job
// waits for word from its runner before it is declared lost.
import { parseDuration } from '../../util/duration.js';
import { expandHome } from '../../util/fs-checks.js';
import { COMMON_KEYS, LABEL, type Reader } from '../config-reader.js';
import type { RunnerExecutor } from '../types.js';

export const DEFAULT_LEASE_MS = 60_000;
/** A runner silent for this long is out of reach (remote_unreachable) until the lease ends. */
export const RUNNER_LATE_MS = 5_000;

export function runnerExecutor(r: Reader): RunnerExecutor {
  r.only(['type', 'token_file', 'lease', 'workdir', 'labels', 'env', ...COMMON_KEYS]);
  const tokenFile = expandHome(r.string('token_file', true));
  if (!tokenFile.startsWith('/')) r.fail('token_file', 'must be an absolute path (or start with ~/)');
  const leaseText = r.string('lease');
  let lease = DEFAULT_LEASE_MS;
  if (leaseText !== undefined) {
    try {
      lease = parseDuration(leaseText, 'lease');
    } catch (err) {
      r.fail('lease', (err as Error).message);
    }
    if (lease <= RUNNER_LATE_MS) r.fail('lease', `must be longer than ${RUNNER_LATE_MS / 1000}s (a runner is late after that)`);
  }
  const def: RunnerExecutor = { type: 'runner', token_file: tokenFile, lease_ms: lease, labels: r.strings('labels', LABEL), env: r.env() };
  const workdir = r.string('workdir');
  if (workdir !== undefined && !workdir.startsWith('/') && workdir !== '~' && !workdir.startsWith('~/')) r.fail('workdir', 'must be absolute or start with ~/');
  if (workdir !== undefined) def.workdir = workdir;
  r.limit(def);
  return def;
}
