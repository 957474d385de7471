// The runner's jobs are ordinary local jobs of its own root, made and watched through the
// library (the same commands `jobctl run`, `status` and `kill` are): a local supervisor runs
// each, so a runner that stops or restarts never stops a job. A local job always runs on the
// runner's machine itself (executor `local`, whatever the runner's config says by default) and is
// named `runner:<server job id>`, so a claim whose local job was made but not recorded is found
// again instead of made twice.
import { expandHome } from '../util/fs-checks.js';
import { libraryFunction } from '../library/functions.js';
import { jobDir, jobFiles } from '../store/jobs.js';
import { resolveJobName } from '../store/job-names.js';
import type { RunnerJobSpec } from '../store/runner-spool.js';
import type { RunnerEnd } from '../store/runner-spool.js';

const create = libraryFunction('create');
const start = libraryFunction('start');
const status = libraryFunction('status');
const kill = libraryFunction('kill');
const deleteJob = libraryFunction('deleteJob');

const localName = (serverJobId: string): string => `runner:${serverJobId}`;

export interface Scope {
  root: string;
  config: string | undefined;
}

/** Defines the local job for a granted one (not started); returns its id. */
export async function defineLocalJob(scope: Scope, serverJobId: string, spec: RunnerJobSpec): Promise<string> {
  const env = Object.entries(spec.env).map(([k, v]) => `${k}=${v}`);
  const mask = spec.mask.filter((k) => Object.hasOwn(spec.env, k));
  const answer = await create({
    ...scope,
    command: spec.argv,
    cwd: spec.workdir !== undefined ? expandHome(spec.workdir) : process.cwd(),
    executor: 'local',
    env,
    mask,
    name: localName(serverJobId),
    killAfter: `${spec.kill_after_ms}ms`,
    ...(spec.timeout_ms !== undefined ? { timeout: `${spec.timeout_ms}ms` } : {}),
    ...(spec.max_log_bytes !== undefined ? { maxLogBytes: String(spec.max_log_bytes) } : {}),
    ...(spec.stdin !== undefined ? { stdin: Buffer.from(spec.stdin, 'base64') } : {}),
  });
  return answer['job_id'] as string;
}

/** The local job made for server job `serverJobId` at or after `since` (a claim's time), if any. */
export async function findLocalJob(scope: Scope, serverJobId: string, since: string): Promise<string | undefined> {
  let id: string;
  try {
    id = resolveJobName(scope.root, localName(serverJobId));
  } catch {
    return undefined;
  }
  const s = await status({ ...scope, id });
  return typeof s['created_at'] === 'string' && s['created_at'] >= since ? id : undefined;
}

/** Removes a local job that was made but must never start (its server job was killed first). */
export async function discardLocalJob(scope: Scope, localJobId: string): Promise<void> {
  await deleteJob({ ...scope, id: localJobId });
}

export async function startLocalJob(scope: Scope, localJobId: string): Promise<void> {
  await start({ ...scope, id: localJobId, snapshotAfter: '0' });
}

export interface LocalView {
  state: string;
  startedAt?: string;
  stdoutPath: string;
  stderrPath: string;
  /** How it ended, once terminal (sizes filled in by the caller). */
  end?: Omit<RunnerEnd, 'stdout_bytes' | 'stderr_bytes'>;
}

const TERMINAL = new Set(['exited', 'killed', 'failed', 'lost']);

export async function viewLocalJob(scope: Scope, localJobId: string): Promise<LocalView> {
  const s = await status({ ...scope, id: localJobId });
  const state = s['state'] as string;
  // The paths from the store, not from the answer: an answer is redacted, a path must not be.
  const files = jobFiles(jobDir(scope.root, localJobId));
  const view: LocalView = { state, stdoutPath: files.stdout, stderrPath: files.stderr };
  if (typeof s['started_at'] === 'string') view.startedAt = s['started_at'];
  if (TERMINAL.has(state)) {
    view.end = {
      ...(typeof s['exit_code'] === 'number' ? { exit_code: s['exit_code'] } : {}),
      ...(typeof s['signal'] === 'string' ? { signal: s['signal'] } : {}),
      ...(s['timed_out'] === true ? { timed_out: true } : {}),
      ...(typeof s['finished_at'] === 'string' ? { finished_at: s['finished_at'] } : {}),
      ...(state === 'failed' ? { error: (s['error'] as { code: string; message: string } | undefined) ?? { code: 'failed', message: 'failed' } } : {}),
      ...(state === 'lost' ? { lost_reason: (s['lost_reason'] as string | undefined) ?? 'lost on the runner' } : {}),
    };
  }
  return view;
}

/** Signals the local job as the server asked; the kill's own wait is not awaited. */
export function signalLocalJob(scope: Scope, localJobId: string, signal: string, grace = '1h'): void {
  kill({ ...scope, id: localJobId, signal, grace }).catch(() => undefined);
}
