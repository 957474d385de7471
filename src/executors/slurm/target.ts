// Slurm target: the job is a batch job submitted with sbatch; squeue, scontrol and sacct say how
// it is doing, scancel signals it. Invariants:
// - The job directory is on a filesystem the compute nodes share with this machine: the batch
//   script and Slurm's output files live in its spool directory (0700), and output comes home by
//   reading those files from the local logs' sizes on — no byte twice, none skipped.
// - The job's command is only in the batch script (each word single-quoted), an agent job's
//   prompt only in a 0600 copy in the spool directory that the script redirects to stdin; the
//   environment
//   (with PATH, HOME and the like from here, which sbatch needs) reaches the job only as
//   sbatch's own environment (--export=ALL), never on a command line.
// - The job is submitted as jobctl-<job id>, so a supervisor that died mid-submit finds it.
// - Every Slurm command is one bounded step (STEP_TIMEOUT_MS). An unreachable slurmctld is a
//   transient TargetError; a refusal (unknown partition, bad option) a final one.
// - Slurm counts time limits in minutes: --time is a backstop, and the local supervisor enforces
//   the job's timeout itself (it signals the job through signal()).
// - A pending job (or one being KILLed) is cancelled with plain scancel; Slurm records a cancel
//   without a signal, so the signal jobctl meant is kept in the spool directory and a CANCELLED
//   job reports it, whichever supervisor sent it. Other signals go to the whole job as they are.
import { homedir } from 'node:os';
import { basename } from 'node:path';
import type { SlurmExecutor } from '../types.js';
import { writeSpoolFile } from '../../store/spool.js';
import { jobFiles } from '../../store/jobs.js';
import type { JobMeta } from '../../store/types.js';
import type { RemoteIdentity } from '../../job/state.js';
import { TargetError, type LogSink, type RemotePhase, type RemoteTarget, type SubmitSpec } from '../port.js';
import { commandError, isTransient, slurmCommand, type SlurmAnswer } from './command.js';
import { endedPhase, isAlreadyDone, isEndedState, isPendingState, isRunningState, isUnknownJob, parseJobIds, parseSacct, parseSbatchId, parseScontrolJob, parseSqueue, parseSstat, type SlurmFinal } from './parse.js';
import { copyOutput, recordSignal, sentSignal, spoolFiles } from './spool.js';
import { batchScript, commandEnv, sbatchArgs, slurmJobName, slurmWorkdir } from './submit.js';
import { spoolStdin } from '../spool-prompt.js';
import { resourcesFrom, type Resources } from '../../util/resources.js';

/** Polls that find the job neither queued nor recorded as ended before it counts as lost. */
const UNKNOWN_POLLS = 3;
/** The same when the accounting database still records it as running (slurmdbd lags). */
const STALE_POLLS = 120;

export class SlurmTarget implements RemoteTarget {
  readonly pollMs = 750;
  readonly resourceSource = 'slurm';
  /** sstat asks slurmctld and the node's slurmd: rarer than the other targets' local reads. */
  readonly sampleEveryMs = 15_000;
  private readonly spool: string;
  private unknownPolls = 0;
  private submittedAt: number | undefined;
  private lastSeen: 'pending' | 'running' = 'pending';

  constructor(readonly def: SlurmExecutor, readonly dir: string, readonly meta: JobMeta) {
    this.spool = jobFiles(dir).spool;
  }

  private run(file: string, args: string[], jobEnv?: Record<string, string>, timeoutMs?: number): Promise<SlurmAnswer> {
    return slurmCommand(file, args, commandEnv(process.env, this.def, jobEnv), jobEnv !== undefined ? this.spool : undefined, timeoutMs);
  }

  prepare(): RemoteIdentity {
    return {};
  }

  async submit(spec: SubmitSpec): Promise<RemoteIdentity> {
    const workdir = slurmWorkdir(this.def, spec.meta, homedir());
    const files = spoolFiles(this.spool);
    writeSpoolFile(this.dir, basename(files.script), batchScript(spec.meta.argv, workdir, spoolStdin(this.dir, spec.stdin)));
    this.submittedAt = Date.now();
    const answer = await this.run('sbatch', sbatchArgs(this.def, spec.meta, workdir, files), spec.env);
    const id = answer.ok ? parseSbatchId(answer.stdout) : undefined;
    if (id !== undefined) return { slurm_job_id: id };
    if (answer.ok) throw new TargetError(`sbatch printed no job id: ${answer.stdout.trim().slice(0, 200)}`, false);
    // A reply that never came may still have been a submission.
    if (answer.timedOut || /socket timed out/i.test(answer.stderr)) {
      const found = await this.findByName().catch(() => undefined);
      if (found !== undefined) return { slurm_job_id: found };
    }
    throw commandError('sbatch', answer, false);
  }

  async recover(): Promise<RemoteIdentity | undefined> {
    const id = await this.findByName();
    return id === undefined ? undefined : { slurm_job_id: id };
  }

  /** The id of the job submitted under this job's name: queued or recent, else in the records. */
  private async findByName(): Promise<string | undefined> {
    const name = slurmJobName(this.meta.job_id);
    const queued = await this.run('squeue', ['-h', '-t', 'all', '-n', name, '-o', '%i']);
    if (!queued.ok) throw commandError('squeue', queued, true);
    const since = new Date(Date.parse(this.meta.created_at) - 86_400_000).toISOString().slice(0, 10);
    const sources = [
      { args: ['-X', '-n', '-P', '--name', name, '-S', since, '-o', 'JobID'], pick: (out: string) => out },
      // The job completion log ignores --name.
      { args: ['-c', '-n', '-P', '-S', since, '-o', 'JobID,JobName'], pick: (out: string) => out.split('\n').filter((l) => l.trim().endsWith(`|${name}`)).join('\n') },
    ];
    let ids = parseJobIds(queued.stdout);
    for (const source of sources) {
      if (ids.length > 0) break;
      const answer = await this.run('sacct', source.args);
      if (answer.ok) ids = parseJobIds(source.pick(answer.stdout));
      else if (isTransient(answer)) throw commandError('sacct', answer, true);
    }
    return ids[ids.length - 1];
  }

  async phase(id: RemoteIdentity): Promise<RemotePhase> {
    const jobId = slurmId(id);
    const queued = await this.run('squeue', ['-h', '-t', 'all', '-j', jobId, '-o', '%T|%S']);
    if (!queued.ok && !isUnknownJob(queued.stderr)) throw commandError('squeue', queued, true);
    const row = queued.ok ? parseSqueue(queued.stdout, this.submittedAt ?? Date.parse(this.meta.created_at)) : undefined;
    if (row !== undefined && isPendingState(row.state)) {
      this.lastSeen = 'pending';
      return { phase: 'pending' };
    }
    if (row !== undefined && isRunningState(row.state)) {
      this.lastSeen = 'running';
      return { phase: 'running', ...(row.startedAt !== undefined ? { startedAt: row.startedAt } : {}) };
    }
    const final = await this.finalRecord(jobId);
    if (final !== undefined && isEndedState(final.state)) return this.ended(endedPhase(jobId, final, sentSignal(this.spool)), final.state, row?.startedAt);
    // squeue saw it end but its exit status has not reached any record (yet).
    if (row !== undefined) return this.ended(endedPhase(jobId, { state: row.state }, sentSignal(this.spool)), row.state, row.startedAt);
    // Out of the queue with no record of its end: records may lag behind, but not for ever.
    const patience = final === undefined ? UNKNOWN_POLLS : STALE_POLLS;
    if (++this.unknownPolls < patience) return { phase: this.lastSeen };
    const why = final === undefined ? 'no accounting or job completion record of how it ended' : `its record still says ${final.state}`;
    return { phase: 'ended', lostReason: `Slurm no longer knows job ${jobId}: it left the queue, and ${why}` };
  }

  /**
   * A job cancelled while it was only ever seen pending never ran: it gets no started_at. One
   * that ran between two polls gets squeue's start time.
   */
  private ended(phase: Extract<RemotePhase, { phase: 'ended' }>, state: string, startedAt: string | undefined): RemotePhase {
    if (this.lastSeen === 'pending' && state.startsWith('CANCELLED')) return { ...phase, neverStarted: true };
    return startedAt !== undefined ? { ...phase, startedAt } : phase;
  }

  /**
   * How the job ended, from slurmctld's memory (kept MinJobAge seconds after the end), else the
   * accounting database, else the job completion log. Undefined when none of them has it.
   */
  private async finalRecord(jobId: string): Promise<SlurmFinal | undefined> {
    const queries: Array<[string, string[], (out: string) => SlurmFinal | undefined]> = [
      ['scontrol', ['show', 'job', '-o', jobId], parseScontrolJob],
      ['sacct', ['-X', '-n', '-P', '-j', jobId, '-o', 'State,ExitCode'], parseSacct],
      ['sacct', ['-c', '-n', '-P', '-j', jobId, '-o', 'State,ExitCode'], parseSacct],
    ];
    let pending: SlurmFinal | undefined;
    for (const [file, args, parse] of queries) {
      const answer = await this.run(file, args);
      if (!answer.ok) {
        // Disabled accounting or an id slurmctld forgot: try the next source.
        if (!isUnknownJob(answer.stderr) && isTransient(answer)) throw commandError(file, answer, true);
        continue;
      }
      const found = parse(answer.stdout);
      if (found !== undefined && isEndedState(found.state)) return found;
      // The database may still say RUNNING shortly after the end.
      pending ??= found;
    }
    return pending;
  }

  async sync(_id: RemoteIdentity, logs: LogSink): Promise<void> {
    copyOutput(this.spool, logs, this.meta.max_log_bytes === undefined ? Number.MAX_SAFE_INTEGER : this.meta.max_log_bytes + 1);
  }

  async signal(id: RemoteIdentity, signal: NodeJS.Signals): Promise<void> {
    const jobId = slurmId(id);
    const queued = await this.run('squeue', ['-h', '-t', 'all', '-j', jobId, '-o', '%T']);
    if (!queued.ok && !isUnknownJob(queued.stderr)) throw commandError('squeue', queued, true);
    const state = queued.ok ? parseSqueue(queued.stdout)?.state : undefined;
    if (state === undefined || isEndedState(state)) return;
    if (isPendingState(state)) return this.cancel(jobId, signal);
    // --full: the batch shell and every process of the job, not only its steps.
    await this.scancel([`--signal=${signal.replace(/^SIG/, '')}`, '--full', jobId]);
    // A KILL also releases the allocation at once, whatever survived it.
    if (signal === 'SIGKILL') await this.cancel(jobId, signal);
  }

  /** Plain scancel: the job ends CANCELLED, which reports `signal` (recorded first). */
  private async cancel(jobId: string, signal: NodeJS.Signals): Promise<void> {
    recordSignal(this.dir, signal);
    await this.scancel([jobId]);
  }

  private async scancel(args: string[]): Promise<void> {
    const answer = await this.run('scancel', args);
    if (!answer.ok && !isAlreadyDone(answer.stderr)) throw commandError('scancel', answer, true);
  }

  /**
   * `sstat` of the job's running steps (the batch step included): its accounting plugin's
   * figures (jobacct_gather/linux or cgroup; with jobacct_gather/none it has none, and no
   * sample is taken). Processes are Slurm tasks; the elapsed time runs from Slurm's start.
   */
  async sample(id: RemoteIdentity, startedAt: string | undefined, timeoutMs: number): Promise<Resources | undefined> {
    const since = Date.parse(startedAt ?? '');
    if (!Number.isFinite(since)) return undefined;
    const answer = await this.run('sstat', ['-n', '-P', '-a', '-j', slurmId(id), '-o', 'NTasks,TRESUsageInTot'], undefined, timeoutMs);
    if (!answer.ok) throw commandError('sstat', answer, true);
    const usage = parseSstat(answer.stdout);
    return usage === undefined ? undefined : resourcesFrom(usage.tasks, usage.rssBytes, usage.cpuSeconds, (Date.now() - since) / 1000);
  }

  async cleanup(): Promise<void> {
    // Nothing stays on the cluster: the script and output files are in the job directory.
  }

  async close(): Promise<void> {
    // No connections or child processes outlive a step.
  }
}

function slurmId(id: RemoteIdentity): string {
  const jobId = id.slurm_job_id;
  if (jobId === undefined || !/^\d+$/.test(jobId)) throw new TargetError('no Slurm job id recorded for this job', false);
  return jobId;
}
