// Diagnostics on stderr only. -v = info, -vv = debug, or JOBCTL_LOG=info|debug.
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

function emit(tag: string, msg: string): void {
  try {
    process.stderr.write(`jobctl ${tag}: ${msg}\n`);
  } catch {
    // As above.
  }
}

export const log = {
  warn: (msg: string): void => emit('warn', msg),
  info: (msg: string): void => { if (level >= 1) emit('info', msg); },
  debug: (msg: string): void => { if (level >= 2) emit('debug', msg); },
};
