// Command sink: runs a shell command with the event JSON on stdin and JOBCTL_* variables set,
// in its own process group, killed (the whole group) at the timeout. Never throws.
// Invariants:
// - Success is the command's own exit status 0, nothing else: what it prints on stderr is kept
//   as a bounded excerpt for the record, never judged.
// - Bounded in wall time whatever the command leaves behind: the attempt ends with the direct
//   child's exit (or the timeout), and its pipes are given up after a short grace, because a
//   daemon it started (`setsid cmd &`) may hold them open for ever.
import { spawn, type ChildProcess } from 'node:child_process';
import type { DeliveryResult } from './events.js';
import { nowIso } from '../util/time.js';
import { setLongTimeout } from '../util/timers.js';

export interface CommandSinkInput {
  command: string;
  shell: string[];
  eventJson: string;
  env: Record<string, string>;
  timeoutMs: number;
}

/** How much of the sink's stderr is kept for the record. */
const STDERR_EXCERPT_BYTES = 500;
/** How long the rest of its stderr is read after the command exited. */
const PIPE_GRACE_MS = 200;
/** How long a SIGKILLed command may take to be reaped before the attempt ends without it. */
const KILL_GRACE_MS = 1000;

/** The first bytes of a stream, the rest read and dropped. */
function keepStart(stream: NodeJS.ReadableStream | null): () => string {
  const kept: Buffer[] = [];
  let size = 0;
  stream?.on('data', (chunk: Buffer) => {
    if (size >= STDERR_EXCERPT_BYTES) return;
    kept.push(chunk.subarray(0, STDERR_EXCERPT_BYTES - size));
    size += Math.min(chunk.length, STDERR_EXCERPT_BYTES - size);
  });
  return () => Buffer.concat(kept).toString('utf8').trim();
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

export function runCommandSink(input: CommandSinkInput): Promise<DeliveryResult> {
  const attemptedAt = nowIso();
  const started = Date.now();
  const result = (ok: boolean, error?: string): DeliveryResult => ({
    sink: 'command',
    target: input.command,
    ok,
    ...(error !== undefined ? { error } : {}),
    attempted_at: attemptedAt,
    duration_ms: Date.now() - started,
  });
  const [prog, ...flags] = input.shell;
  let child: ChildProcess;
  try {
    child = spawn(prog ?? 'sh', [...flags, input.command], {
      env: { ...process.env, ...input.env },
      detached: true,
      stdio: ['pipe', 'ignore', 'pipe'],
      cwd: '/',
    });
  } catch (err) {
    return Promise.resolve(result(false, (err as Error).message));
  }
  const stderr = keepStart(child.stderr);
  // A command need not read its event: a closed stdin is not an error.
  child.stdin?.on('error', () => undefined);
  child.stdin?.end(input.eventJson);
  return new Promise((resolve) => {
    let timedOut = false;
    let settled = false;
    const timer = setLongTimeout(() => {
      timedOut = true;
      killGroup(child);
      // Even a child that cannot die at once (uninterruptible sleep) does not hold the attempt.
      setTimeout(() => settle(result(false, `timed out after ${input.timeoutMs}ms`)), KILL_GRACE_MS).unref();
    }, input.timeoutMs);
    const settle = (outcome: DeliveryResult): void => {
      if (settled) return;
      settled = true;
      timer.clear();
      child.stdin?.destroy();
      child.stderr?.destroy();
      child.unref();
      resolve(outcome);
    };
    child.once('error', (err) => settle(result(false, err.message)));
    child.once('exit', (code, signal) => {
      const judge = (): void => {
        if (timedOut) return settle(result(false, `timed out after ${input.timeoutMs}ms`));
        if (code === 0) return settle(result(true));
        const why = code !== null ? `exit code ${code}` : `killed by ${signal ?? 'a signal'}`;
        const text = stderr();
        settle(result(false, text ? `${why}: ${text}` : why));
      };
      // The rest of its stderr, unless something it left behind keeps the pipe open.
      const grace = setTimeout(judge, PIPE_GRACE_MS);
      if (child.stderr === null || child.stderr.readableEnded) {
        clearTimeout(grace);
        judge();
        return;
      }
      child.stderr.once('end', () => {
        clearTimeout(grace);
        judge();
      });
    });
  });
}
