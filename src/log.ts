// Diagnostics on stderr only. -v = info, -vv = debug, or JOBCTL_LOG=info|debug. A supervisor
// running a job it took over writes that job's diagnostics to the job's own supervisor.log
// (withLogFile), through the async context the job runs in.
import { AsyncLocalStorage } from 'node:async_hooks';
import { writeSync } from 'node:fs';

type Level = 0 | 1 | 2;
let level: Level = envLevel();

function envLevel(): Level {
  const v = process.env['JOBCTL_LOG'];
  if (v === 'debug') return 2;
  if (v === 'info') return 1;
  return 0;
}

export function setVerbosity(count: number): void {
  level = Math.max(level, Math.min(2, count)) as Level;
}

// Diagnostics are best effort: a stderr that cannot be written (a supervisor's log on a full
// disk, a closed pipe) must never crash the process that is recording a job's outcome.
process.stderr.on('error', () => undefined);

/** Where the diagnostics of one job a supervisor took over go: its supervisor.log while open. */
export interface LogFile {
  fd: number;
  closed: boolean;
}

const destination = new AsyncLocalStorage<LogFile | undefined>();

/**
 * Runs `fn` with the diagnostics of everything it starts written to `file` instead of stderr
 * (undefined: to stderr, whatever the caller's context). Once `file.closed` is set, anything
 * still running in that context writes to stderr: a closed descriptor's number may be reused.
 */
export function withLogFile<T>(file: LogFile | undefined, fn: () => T): T {
  return destination.run(file, fn);
}

function emit(tag: string, msg: string): void {
  const line = `jobctl ${tag}: ${msg}\n`;
  const file = destination.getStore();
  try {
    if (file !== undefined && !file.closed) writeSync(file.fd, line);
    else process.stderr.write(line);
  } catch {
    // As above.
  }
}

export const log = {
  warn: (msg: string): void => emit('warn', msg),
  info: (msg: string): void => { if (level >= 1) emit('info', msg); },
  debug: (msg: string): void => { if (level >= 2) emit('debug', msg); },
};
