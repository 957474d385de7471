// Local target: the job runs on this machine as the leader of its own process group (and
// session), writing straight into the log files through inherited descriptors — no pipe
// through the supervisor, so capture runs at disk speed and survives a supervisor crash.
import { spawn, type ChildProcess } from 'node:child_process';
import type { Exit } from '../../job/outcome.js';
import { nowIso } from '../../util/time.js';

export interface LaunchSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  stdoutFd: number;
  stderrFd: number;
  /** The job's stdin (an agent job's prompt file); /dev/null otherwise. */
  stdinFd?: number;
}

export interface RunningProcess {
  pid: number;
  exited: Promise<Exit>;
  /** When the exit was seen (the child's exit event), once `exited` has resolved. */
  exitedAt(): string | undefined;
  /** Signals the whole process group; false when nothing was there to signal. */
  signalGroup(signal: NodeJS.Signals): boolean;
}

export type LaunchOutcome = { ok: true; proc: RunningProcess } | { ok: false; error: string };

export function launchLocal(spec: LaunchSpec): Promise<LaunchOutcome> {
  const [file, ...args] = spec.argv;
  let child: ChildProcess;
  try {
    child = spawn(file ?? '', args, {
      cwd: spec.cwd,
      env: spec.env,
      stdio: [spec.stdinFd ?? 'ignore', spec.stdoutFd, spec.stderrFd],
      detached: true,
    });
  } catch (err) {
    return Promise.resolve({ ok: false, error: (err as Error).message });
  }
  return new Promise((resolve) => {
    let exitedAt: string | undefined;
    const exited = new Promise<Exit>((res) => child.once('exit', (code, signal) => {
      exitedAt = nowIso();
      res({ code, signal });
    }));
    child.once('error', (err) => resolve({ ok: false, error: `${err.message}` }));
    child.once('spawn', () => {
      const pid = child.pid as number;
      resolve({
        ok: true,
        proc: {
          pid,
          exited,
          exitedAt: () => exitedAt,
          signalGroup(signal) {
            try {
              process.kill(-pid, signal);
              return true;
            } catch {
              return false;
            }
          },
        },
      });
    });
  });
}
