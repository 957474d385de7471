// One job the runner holds: it claims it (again, with the same claim id, until the grant is
// in), makes and starts the local job, and reports it to the server round after round — its
// phase, its end, and its output from the offsets the server says it holds — and delivers the
// kill orders the answers carry. Invariants:
// - The record (store/runner-claims.ts) is written before the runner acts on it and the
//   in-memory copy is replaced only once that write succeeded. The local job is recorded before
//   it starts, so a restarted runner finds it and never starts another; a local job made but
//   not recorded (a crash in between) is found again by its name, never made twice.
// - A job starts only after the server was asked once more since the claim: a kill order in
//   the claim's answer, or in the answer of the report sent right before the start, ends it
//   without its command ever running. A launch that fails here (a --cwd missing on this
//   machine) ends it `failed` with the reason. Both are reported as an end that never started.
// - Each kill order is delivered once: its sequence number is recorded after delivery.
// - Output is sent from the server's own count of what it holds, never from a count of what
//   was sent: a lost answer or a restart on either side resends, never skips.
// - The end is reported with the final log sizes; the job is forgotten only once the server
//   says it holds all of it (`done`), or refuses the job in its own words (isRefusal): then a
//   local job still running is stopped.
import { randomBytes } from 'node:crypto';
import { toJobError } from '../errors.js';
import { log } from '../log.js';
import { fileSize } from '../store/jobs.js';
import { readLogFrom } from '../store/log-range.js';
import { forgetHeldJob, writeHeldJob, type HeldJobRecord } from '../store/runner-claims.js';
import type { RunnerJobSpec } from '../store/runner-spool.js';
import { isRefusal, type RunnerClient } from './client.js';
import { defineLocalJob, discardLocalJob, findLocalJob, signalLocalJob, startLocalJob, viewLocalJob, type LocalView, type Scope } from './local-job.js';

/** Output sent per stream per report (the server takes bodies up to 1 MiB, base64 included). */
const CHUNK_BYTES = 256 * 1024;
const STEP_MS = 15_000;

export const newClaimId = (): string => randomBytes(12).toString('hex');

type Answer = Record<string, unknown>;
type KillOrder = { signal: string; seq: number };

export class HeldJob {
  /** What the server holds of each log; unknown until its first answer. */
  private held: { stdout: number; stderr: number } | undefined;
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

  private save(next: HeldJobRecord): void {
    writeHeldJob(this.scope.root, next);
    this.record = next;
  }

  private forget(why: string): void {
    log.info(`runner: job ${this.serverJobId}: ${why}`);
    forgetHeldJob(this.scope.root, this.serverJobId);
    this.finished = true;
  }

  /** A kill order in `answer` not delivered yet. */
  private newKill(answer: Answer): KillOrder | undefined {
    const kill = answer['kill'] as KillOrder | undefined;
    return kill !== undefined && kill.seq > (this.record.kill_seq ?? 0) ? kill : undefined;
  }

  /** Claims the job (the same claim again after a lost answer) and makes the local job, or records why it will not run. */
  private async launch(): Promise<void> {
    const grant = await this.client.call('POST', '/claim', { job_id: this.serverJobId, claim_id: this.record.claim_id }, STEP_MS);
    const kill = this.newKill(grant);
    if (kill !== undefined) return this.save({ ...this.record, kill_seq: kill.seq, not_run: { signal: kill.signal } });
    let localId = await findLocalJob(this.scope, this.serverJobId, this.record.claimed_at);
    if (localId === undefined) {
      try {
        localId = await defineLocalJob(this.scope, this.serverJobId, grant['spec'] as RunnerJobSpec);
      } catch (err) {
        const e = toJobError(err);
        log.warn(`runner: job ${this.serverJobId}: cannot launch it here: ${e.message}`);
        return this.save({ ...this.record, not_run: { error: { code: e.code, message: `cannot launch the job on the runner: ${e.message}` } } });
      }
    }
    this.save({ ...this.record, local_job_id: localId });
  }

  /** One round: returns true when more output is waiting to be sent at once. */
  async step(): Promise<boolean> {
    try {
      return await this.round();
    } catch (err) {
      if (!isRefusal(err, ['job_not_found', 'invalid_state'])) {
        log.warn(`runner: job ${this.serverJobId}: ${(err as Error).message}`);
        return false;
      }
      const localId = this.record.local_job_id;
      if (localId !== undefined) signalLocalJob(this.scope, localId, 'SIGTERM', '5s');
      this.forget(`refused by the server${localId !== undefined ? ' (its local job is stopped)' : ''}: ${(err as Error).message}`);
      return false;
    }
  }

  private report(body: Record<string, unknown>): Promise<Answer> {
    return this.client.call('POST', `/jobs/${this.serverJobId}/report`, { claim_id: this.record.claim_id, ...body }, STEP_MS);
  }

  private async round(): Promise<boolean> {
    if (this.record.local_job_id === undefined && this.record.not_run === undefined) await this.launch();
    const localId = this.record.local_job_id;
    if (this.record.not_run !== undefined || localId === undefined) return this.reportNotRun();
    let view = await viewLocalJob(this.scope, localId);
    if (view.state === 'created') {
      // Asked once more before the start: a kill since the claim stops the job here.
      const kill = this.newKill(await this.report({ phase: 'pending' }));
      if (kill !== undefined) {
        this.save({ ...this.record, kill_seq: kill.seq, not_run: { signal: kill.signal } });
        await discardLocalJob(this.scope, localId);
        return this.reportNotRun();
      }
      await startLocalJob(this.scope, localId);
      view = await viewLocalJob(this.scope, localId);
    }
    return this.reportLocal(localId, view);
  }

  /** Reports an end without a start (killed first, or the launch failed). */
  private async reportNotRun(): Promise<boolean> {
    const ended = { ...this.record.not_run, never_started: true, stdout_bytes: 0, stderr_bytes: 0 };
    const answer = await this.report({ phase: 'ended', ended });
    if (answer['done'] === true) this.forget('ended without starting; the server has it');
    return false;
  }

  private async reportLocal(localId: string, view: LocalView): Promise<boolean> {
    const sizes = { stdout: fileSize(view.stdoutPath), stderr: fileSize(view.stderrPath) };
    const chunk = (stream: 'stdout' | 'stderr'): { offset: number; data: string } | undefined => {
      if (this.held === undefined || this.held[stream] >= sizes[stream]) return undefined;
      return { offset: this.held[stream], data: readLogFrom(stream === 'stdout' ? view.stdoutPath : view.stderrPath, this.held[stream], CHUNK_BYTES).toString('base64') };
    };
    const stdout = chunk('stdout');
    const stderr = chunk('stderr');
    const phase = view.end !== undefined ? 'ended' : view.state === 'running' ? 'running' : 'pending';
    const answer = await this.report({
      phase,
      ...(view.startedAt !== undefined ? { started_at: view.startedAt } : {}),
      ...(view.end !== undefined ? { ended: { ...view.end, stdout_bytes: sizes.stdout, stderr_bytes: sizes.stderr } } : {}),
      ...(stdout !== undefined ? { stdout } : {}),
      ...(stderr !== undefined ? { stderr } : {}),
    });
    this.held = { stdout: Number(answer['stdout_bytes']), stderr: Number(answer['stderr_bytes']) };
    const kill = this.newKill(answer);
    if (kill !== undefined && view.end === undefined) {
      signalLocalJob(this.scope, localId, kill.signal);
      this.save({ ...this.record, kill_seq: kill.seq });
    }
    if (answer['done'] === true) {
      this.forget('the server holds all of it');
      return false;
    }
    return this.held.stdout < fileSize(view.stdoutPath) || this.held.stderr < fileSize(view.stderrPath);
  }
}
