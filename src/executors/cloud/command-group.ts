// Runs a provider command (provision, destroy) in a process group of its own, from `/`, through
// `sh -c`. Invariants:
// - The command starts only once its group is recorded: the group's leader waits for a first
//   line on stdin, written after `recordGroup` resolved; a caller that dies before that closes
//   the pipe and the leader exits without running anything.
// - A timeout kills the whole group (SIGTERM, SIGKILL 2 s later), and nobody waits for a pipe a
//   leftover process holds open: the result comes once the leader exited (and its pipes closed,
//   or PIPE_GRACE_MS passed).
import { spawn } from 'node:child_process';
import type { CommandGroup } from '../../store/cloud-instances.js';
import { processStartTime } from '../../util/proc.js';

const KILL_AFTER_MS = 2000;
const PIPE_GRACE_MS = 500;
const MAX_STDOUT = 1024 * 1024;
const MAX_STDERR = 64 * 1024;
/** The leader's exit status when its caller went away before the group was recorded. */
const NOT_STARTED = 97;
const GATE = 'read -r _ || exit 97; exec sh -c "$1"';

export interface CommandResult { ok: boolean; timedOut: boolean; stdout: string; why: string }

export type RecordGroup = (group: CommandGroup) => Promise<void>;

const killGroup = (pgid: number, signal: NodeJS.Signals): void => {
  try {
    process.kill(-pgid, signal);
  } catch {
    // Already gone.
  }
};

export async function runCommandGroup(command: string, env: Record<string, string>, timeoutMs: number, input: string, recordGroup?: RecordGroup): Promise<CommandResult> {
  const child = spawn('sh', ['-c', GATE, 'jobctl-provider', command], { cwd: '/', detached: true, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const pgid = child.pid;
  if (pgid === undefined) return { ok: false, timedOut: false, stdout: '', why: 'could not be started' };
  child.stdin.on('error', () => undefined);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => {
    if (stdout.length < MAX_STDOUT) stdout += b.toString('utf8');
  });
  child.stderr.on('data', (b: Buffer) => {
    if (stderr.length < MAX_STDERR) stderr += b.toString('utf8');
  });
  let timedOut = false;
  let killer: NodeJS.Timeout | undefined;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(pgid, 'SIGTERM');
    killer = setTimeout(() => killGroup(pgid, 'SIGKILL'), KILL_AFTER_MS);
  }, Math.max(1, timeoutMs));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
    child.on('error', () => resolve({ code: null, signal: null }));
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  try {
    const startTime = processStartTime(pgid);
    if (recordGroup !== undefined && startTime !== undefined) await recordGroup({ pgid, start_time: startTime });
    child.stdin.end(`go\n${input}`);
  } catch (err) {
    killGroup(pgid, 'SIGKILL');
    clearTimeout(timer);
    throw err;
  }
  const { code, signal } = await exited;
  await Promise.race([closed, new Promise((r) => setTimeout(r, PIPE_GRACE_MS))]);
  clearTimeout(timer);
  if (timedOut) {
    // The leader is gone; whatever it left of the group goes with it.
    if (killer !== undefined) clearTimeout(killer);
    killGroup(pgid, 'SIGKILL');
  }
  child.stdout.destroy();
  child.stderr.destroy();
  const err = stderr.trim().slice(0, 500);
  const why = timedOut ? `timed out after ${timeoutMs}ms` : code !== 0 ? `exited ${code === NOT_STARTED ? `${code} (not started)` : (code ?? signal ?? '?')}${err ? `: ${err}` : ''}` : '';
  return { ok: code === 0 && !timedOut, timedOut, stdout, why };
}
