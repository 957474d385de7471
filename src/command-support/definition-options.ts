// Flags shared by run and create (the job definition) and by run, start and wait (observation).
import type { Options } from 'yargs';
import { schedulingOptions } from './scheduling-options.js';
import { stdinOptions } from './stdin-options.js';

export const outputMatchOptions: Record<string, Options> = {
  'output-pattern': { type: 'string', describe: 'pattern matched against each new output line' },
  'output-match-type': { type: 'string', describe: 'contains | regex (RE2)' },
  'output-stream': { type: 'string', describe: 'stdout | stderr | either' },
  'output-command': { type: 'string', describe: 'shell command run for each matching line' },
  'output-file': { type: 'string', describe: 'NDJSON file that gets one line per matching line' },
};

export const definitionOptions: Record<string, Options> = {
  cwd: { type: 'string', alias: ['workspace', 'workdir'], describe: 'working directory of the job' },
  env: { type: 'string', describe: 'K=V, or K to take the value from this environment (repeatable)' },
  'env-file': { type: 'string', describe: 'file of K=V lines, read when the job starts' },
  mask: { type: 'string', describe: 'env key whose value is secret (repeatable)' },
  timeout: { type: 'string', describe: 'SIGTERM the job after this long (250ms, 10s, 5m, 2h, 1d, or ms)' },
  'kill-after': { type: 'string', describe: 'SIGKILL this long after the timeout SIGTERM (default 5s)' },
  tag: { type: 'string', describe: 'tag (repeatable)' },
  name: { type: 'string', describe: 'human-readable name' },
  'notify-command': { type: 'string', describe: 'shell command run with the job.finished event on stdin' },
  'notify-file': { type: 'string', describe: 'NDJSON file that gets one job.finished line' },
  'notify-webhook': { type: 'string', describe: 'http(s) URL that gets the job.finished event POSTed' },
  ...outputMatchOptions,
  'shell-wrapper': { type: 'string', describe: 'shell for a single command string, e.g. "bash -lc"' },
  'progress-every': { type: 'string', describe: 'record a progress heartbeat in state.json this often' },
  cmd: { type: 'string', describe: 'command as one shell string (same as a single CMD word)' },
  ...stdinOptions,
  executor: { type: 'string', describe: 'where the job runs: an executor of the config (default [defaults] executor, else local)' },
  label: { type: 'string', describe: 'run on an executor carrying this label (repeatable: all must match)' },
  'memory-limit': { type: 'string', describe: 'memory cap of a container or Slurm job (bytes or 512M, 2G)' },
  'cpu-limit': { type: 'string', describe: 'CPUs of a container (--cpus) or Slurm job (--cpus-per-task), e.g. 1.5' },
  ...schedulingOptions,
  'max-log-bytes': { type: 'string', describe: 'cap of each log (bytes or 512K, 100M, 1G; default config, else 1G)' },
};

export const observeOptions: Record<string, Options> = {
  'snapshot-after': { type: 'string', describe: 'observe the job this long before answering (default 10s)' },
  wait: { type: 'boolean', describe: 'block until the job is terminal' },
  'wait-poll-ms': { type: 'string', describe: 'fallback poll interval while waiting (ms)' },
  'tail-lines': { type: 'string', alias: 'lines', describe: 'lines of each stream in the snapshot (default 50)' },
  'max-bytes': { type: 'string', describe: 'bytes of each stream in the snapshot at most (default 65536)' },
  raw: { type: 'boolean', describe: 'an agent job: keep its stream-JSON lines in stdout_tail' },
};

/** create's defaults for the job's later snapshots (also fields of a `submit` line). */
export const snapshotDefaults: Record<string, Options> = {
  'tail-lines': { type: 'string', describe: 'default tail lines of this job\'s snapshots (50)' },
  'max-bytes': { type: 'string', describe: 'default byte cap of this job\'s snapshots (65536)' },
};
