// What a Slurm job is submitted with (pure): the batch script and sbatch's arguments.
// The job's command lives only in the script, each word single-quoted; sbatch's command line
// holds options derived from the definition and paths in the job directory, nothing else.
import { isAbsolute, resolve } from 'node:path';
import type { SlurmExecutor } from '../types.js';
import type { JobMeta } from '../../store/types.js';

/** One word for sh: single-quoted, with each ' written as '\''. */
export const shQuote = (word: string): string => `'${word.replace(/'/g, `'\\''`)}'`;

/** The job name jobctl submits under; recover() looks the job up by it. */
export const slurmJobName = (jobId: string): string => `jobctl-${jobId}`;

/**
 * The directory the job runs in: --cwd or the executor's workdir, else the caller's directory.
 * "~" and relative paths are taken from `home` (Slurm expands neither).
 */
export function slurmWorkdir(def: SlurmExecutor, meta: JobMeta, home: string): string {
  const dir = meta.workdir ?? def.workdir ?? meta.cwd;
  if (dir === '~') return home;
  if (dir.startsWith('~/')) return resolve(home, dir.slice(2));
  return isAbsolute(dir) ? dir : resolve(home, dir);
}

/**
 * The batch script. Slurm runs a job whose --chdir is missing in /tmp instead (with a warning
 * only), so the script changes directory itself and fails when it cannot; `exec` makes the
 * job's command the batch step itself, so its exit status or signal is what Slurm records.
 * An agent job's command reads its prompt (a 0600 copy in the shared spool) on stdin.
 */
export function batchScript(argv: readonly string[], workdir: string, promptPath?: string): string {
  const stdin = promptPath !== undefined ? ` < ${shQuote(promptPath)}` : '';
  return ['#!/bin/sh', `cd -- ${shQuote(workdir)} || exit 1`, `exec ${argv.map(shQuote).join(' ')}${stdin}`, ''].join('\n');
}

export interface SbatchFiles {
  script: string;
  stdout: string;
  stderr: string;
}

/**
 * sbatch's arguments: resource requests from the definition, then the executor's sbatch_args
 * (which may override those), then what jobctl relies on (name, output files, directory, the
 * environment export), so that no sbatch_args entry can redirect the output jobctl copies.
 */
export function sbatchArgs(def: SlurmExecutor, meta: JobMeta, workdir: string, files: SbatchFiles): string[] {
  const args: string[] = [];
  if (def.partition !== undefined) args.push('--partition', def.partition);
  if (meta.timeout_ms !== undefined) args.push('--time', String(Math.max(1, Math.ceil(meta.timeout_ms / 60_000))));
  if (meta.memory_limit_bytes !== undefined) args.push('--mem', `${Math.max(1, Math.ceil(meta.memory_limit_bytes / (1024 * 1024)))}M`);
  if (meta.cpu_limit !== undefined) args.push('--cpus-per-task', String(Math.max(1, Math.ceil(meta.cpu_limit))));
  // A requeued job would rewrite the output files jobctl copies by offset: a node failure
  // ends the job instead (NODE_FAIL), unless sbatch_args say --requeue.
  args.push('--no-requeue', ...def.sbatch_args);
  args.push('--parsable', '--job-name', slurmJobName(meta.job_id), '--output', files.stdout, '--error', files.stderr, '--chdir', workdir);
  args.push('--export=ALL', files.script);
  return args;
}

/** Variables of the supervisor's own environment that Slurm's commands need to work. */
const BASICS = ['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'LC_ALL', 'TZ', 'SLURM_CONF'];

/**
 * The environment of a Slurm command: those basics, then (for sbatch) the job's environment.
 * SLURM_CONF names the cluster: the executor's env may set it, and every command of the job
 * uses that same one (a job's --env cannot send sbatch to another cluster than squeue asks).
 */
export function commandEnv(supervisor: NodeJS.ProcessEnv, def: SlurmExecutor, job: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of BASICS) {
    const value = supervisor[key];
    if (value !== undefined) env[key] = value;
  }
  Object.assign(env, job);
  const conf = def.env['SLURM_CONF'] ?? supervisor['SLURM_CONF'];
  if (conf !== undefined) env['SLURM_CONF'] = conf;
  else delete env['SLURM_CONF'];
  return env;
}
