// Command sink: runs a shell command with the event JSON on stdin and JOBCTL_* variables set,
// bounded by a timeout after which its whole process group is killed. Never throws.
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

export async function runCommandSink(input: CommandSinkInput): Promise<DeliveryResult> {
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
  const { execa } = await import('execa');
  const [prog, ...flags] = input.shell;
  let timedOut = false;
  const child = execa(prog ?? 'sh', [...flags, input.command], {
    input: input.eventJson,
    env: input.env,
    extendEnv: true,
    detached: true,
    stdout: 'ignore',
    stderr: 'pipe',
    maxBuffer: 4096,
    reject: false,
    cleanup: false,
    cwd: '/',
  });
  const timer = setLongTimeout(() => {
    timedOut = true;
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, input.timeoutMs);
  const done = await child;
  timer.clear();
  if (timedOut) return result(false, `timed out after ${input.timeoutMs}ms`);
  if (done.failed) {
    const stderr = typeof done.stderr === 'string' ? done.stderr.trim().slice(0, 500) : '';
    const why = done.exitCode !== undefined ? `exit code ${done.exitCode}` : (done.signal ?? done.shortMessage);
    return result(false, stderr ? `${why}: ${stderr}` : why);
  }
  return result(true);
}
