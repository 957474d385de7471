// One job the runner holds: it claims it (again, with the same claim id, until the grant is
// in), makes and starts the local job, and reports it to the server round after round — its
// phase, its end, and its output from the offsets the server says it holds — and delivers the
// kill orders the answers carry. Invariants:
// - The local job is recorded (store/runner-claims.ts) before it starts, so a restarted runner
//   finds it and never starts another; a job recorded but not started yet is started.
// - Output is sent from the server's own count of what it holds, never from a count of what
//   was sent: a lost answer or a restart on either side resends, never skips.
// - The end is reported with the final log sizes; the job is forgotten only once the server
//   says it holds all of it (`done`), or refuses the claim (the job is not this runner's).
import { randomBytes } from 'node:crypto';
import { JobError } from '../errors.js';
import { log } from '../log.js';
import { fileSize } from '../store/jobs.js';
import { readLogFrom } from '../store/log-range.js';
import { forgetHeldJob, writeHeldJob, type HeldJobRecord } from '../store/runner-claims.js';
import type { RunnerJobSpec } from '../store/runner-spool.js';
import type { RunnerClient } from './client.js';
import { defineLocalJob, signalLocalJob, startLocalJob, viewLocalJob, type Scope } from './local-job.js';

/** Output sent per stream per report (the server takes bodies up to 1 MiB, base64 included). */
const CHUNK_BYTES = 256 * 1024;
const STEP_MS = 15_000;

export const newClaimId = (): string => randomBytes(12).toString('hex');

/** True for an answer that says the job is not (or no longer) this runner's to run or report. */
const refused = (err: unknown): boolean => err instanceof JobError && (err.code === 'job_not_found' || err.code === 'invalid_state');

export class HeldJob {
  /** What the server holds of each log; unknown until its first answer. */
  private held: { stdout: number; stderr: number } | undefined;
  private killSeq = 0;
  /** Set once the job is over for this runner (done, or refused). */
  finished = false;

  constructor(private record: HeldJobRecord, private readonly scope: Scope, private readonly client: RunnerClient) {}

  get serverJobId(): string {
    return this.record.server_job_id;
  }

  static claimNew(scope: Scope, client: RunnerClient, serverJobId: string): HeldJob {
    const record: HeldJobRecord = { server_job_id: serverJobId, claim_id: newClaimId(), claimed_at: new Date().toISOString() };
    writeHeldJob(scope.root, record);
    return new HeldJob(record, scope, client);
  }

  private forget(why: string): void {
    log.info(`runner: job ${this.serverJobId}: ${why}`);
    forgetHeldJob(this.scope.root, this.serverJobId);
    this.finished = true;
  }

  /** Claims the job (the same claim again after a lost answer) and makes and starts the local job. */
  private async launch(): Promise<string> {
    const grant = await this.client.call('POST', '/claim', { job_id: this.serverJobId, claim_id: this.record.claim_id }, STEP_MS);
    const localId = await defineLocalJob(this.scope, this.serverJobId, grant['spec'] as RunnerJobSpec);
    this.record = { ...this.record, local_job_id: localId };
    writeHeldJob(this.scope.root, this.record);
    await startLocalJob(this.scope, localId);
    return localId;
  }

  /** One round: returns true when more output is waiting to be sent at once. */
  async step(): Promise<boolean> {
    try {
      return await this.round();
    } catch (err) {
      if (refused(err)) this.forget(`refused by the server: ${(err as Error).message}`);
      else log.warn(`runner: job ${this.serverJobId}: ${(err as Error).message}`);
      return false;
    }
  }

  private async round(): Promise<boolean> {
    const localId = this.record.local_job_id ?? (await this.launch());
    let view = await viewLocalJob(this.scope, localId);
    if (view.state === 'created') {
      await startLocalJob(this.scope, localId);
      view = await viewLocalJob(this.scope, localId);
    }
    const sizes = { stdout: fileSize(view.stdoutPath), stderr: fileSize(view.stderrPath) };
    const chunk = (stream: 'stdout' | 'stderr'): { offset: number; data: string } | undefined => {
      if (this.held === undefined || this.held[stream] >= sizes[stream]) return undefined;
      return { offset: this.held[stream], data: readLogFrom(stream === 'stdout' ? view.stdoutPath : view.stderrPath, this.held[stream], CHUNK_BYTES).toString('base64') };
    };
    const stdout = chunk('stdout');
    const stderr = chunk('stderr');
    const phase = view.end !== undefined ? 'ended' : view.state === 'running' ? 'running' : 'pending';
    const answer = await this.client.call('POST', `/jobs/${this.serverJobId}/report`, {
      claim_id: this.record.claim_id,
      phase,
      ...(view.startedAt !== undefined ? { started_at: view.startedAt } : {}),
      ...(view.end !== undefined ? { ended: { ...view.end, stdout_bytes: sizes.stdout, stderr_bytes: sizes.stderr } } : {}),
      ...(stdout !== undefined ? { stdout } : {}),
      ...(stderr !== undefined ? { stderr } : {}),
    }, STEP_MS);
    this.held = { stdout: Number(answer['stdout_bytes']), stderr: Number(answer['stderr_bytes']) };
    const kill = answer['kill'] as { signal: string; seq: number } | undefined;
    if (kill !== undefined && kill.seq > this.killSeq && view.end === undefined) {
      this.killSeq = kill.seq;
      signalLocalJob(this.scope, localId, kill.signal);
    }
    if (answer['done'] === true) {
      this.forget('the server holds all of it');
      return false;
    }
    return this.held.stdout < fileSize(view.stdoutPath) || this.held.stderr < fileSize(view.stderrPath);
  }
}
