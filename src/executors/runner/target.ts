// Runner target: the job is offered to the runner named by the job's executor, which pulls it
// from `jobctl serve`, runs it as a local job of its own and reports back (docs/runners.md).
// This target never talks to the runner: it writes the offer and kill orders into the store
// (store/runner-spool.ts) and reads what the serve process stored from the runner's reports.
// Invariants:
// - The job is `queued` (waiting_for "runner NAME") until a runner claims and starts it; a kill
//   before any claim withdraws the offer (the claim file is taken for nobody, so no runner can
//   take the job afterwards) and the job ends without having run.
// - The end is the runner's report, and only once the spool holds every byte the report
//   counts; the output comes home by byte offset from the spool, as from any executor.
// - The lease is the job's own: the silence counts from the runner's last report of this job
//   (else its claim); polls, other jobs' reports and repeated claims do not renew it. A job not
//   heard of for RUNNER_LATE_MS makes each step fail as a passing fault (remote_unreachable);
//   past the executor's lease the job ends with `lostReason`, never an invented exit code.
// - Only a silence a server was there to hear counts toward the lease: while no `jobctl serve`
//   serves the root (store/serve-presence.ts) the job is late, never lost, and the lease
//   starts over when a server is back.
import { dirname } from 'node:path';
import type { RunnerExecutor } from '../types.js';
import type { JobMeta } from '../../store/types.js';
import type { RemoteIdentity } from '../../job/state.js';
import { applyTransition } from '../../job/apply.js';
import { setWaitingFor } from '../../job/annotations.js';
import { nowIso } from '../../util/time.js';
import { servedSince } from '../../store/serve-presence.js';
import {
  dropSpooledOutput, readClaim, readKillOrder, readOffer, readReport, readSpool, removeRunnerSpool, spoolSize, takeClaim, writeKillOrder, writeOffer,
  type RunnerClaim, type RunnerEnd,
} from '../../store/runner-spool.js';
import { TargetError, type LogSink, type RemotePhase, type RemoteTarget, type SubmitSpec } from '../port.js';
import { RUNNER_LATE_MS } from './config.js';

/** One copy step moves at most this much; the next resumes where it ended. */
const CHUNK_BYTES = 8 * 1024 * 1024;

const seconds = (ms: number): string => `${Math.round(ms / 1000)}s`;

/**
 * Keys the runner keeps masked (in its 0600 secrets file, out of its meta.json), as on this
 * side: the job's --mask keys and whatever came from its --env-file — every value that is not
 * the job's plain --env nor the executor's env.
 */
function keptSecret(meta: JobMeta, executorEnv: Record<string, string>, env: Record<string, string>): string[] {
  const from = (table: Record<string, string>, key: string): boolean => Object.hasOwn(table, key) && table[key] === env[key];
  return Object.keys(env).filter((key) => meta.mask.includes(key) || !(from(meta.env, key) || from(executorEnv, key)));
}

/** The phase a runner's report of the end says, with what the job's record needs of it. */
function endedPhase(end: RunnerEnd, startedAt: string | undefined): RemotePhase {
  return {
    phase: 'ended',
    ...(end.exit_code !== undefined ? { code: end.exit_code } : {}),
    ...(end.signal !== undefined ? { signal: end.signal } : {}),
    ...(end.timed_out === true ? { timedOut: true } : {}),
    ...(end.error !== undefined ? { error: { code: 'executor_failed', message: `on the runner: ${end.error.message}` } } : {}),
    ...(end.lost_reason !== undefined ? { lostReason: `on the runner: ${end.lost_reason}` } : {}),
    ...(startedAt !== undefined ? { startedAt } : {}),
    ...(end.finished_at !== undefined ? { finishedAt: end.finished_at } : {}),
    ...(end.never_started === true ? { neverStarted: true } : {}),
  };
}

export class RunnerTarget implements RemoteTarget {
  readonly pollMs = 500;
  readonly enforcesTimeout = true;
  readonly resourceSource = 'runner';
  private readonly root: string;
  private readonly runner: string;
  /** Set once the end was reported and every byte of it copied home. */
  private complete = false;
  private end: RunnerEnd | undefined;

  constructor(private readonly def: RunnerExecutor, dir: string, private readonly meta: JobMeta) {
    this.root = dirname(dir);
    this.runner = meta.executor;
  }

  prepare(): RemoteIdentity {
    return { host: this.runner };
  }

  async submit(spec: SubmitSpec): Promise<RemoteIdentity> {
    const m = spec.meta;
    writeOffer(this.root, {
      job_id: m.job_id,
      runner: this.runner,
      offered_at: nowIso(),
      spec: {
        argv: m.argv,
        env: spec.env,
        mask: keptSecret(m, this.def.env, spec.env),
        kill_after_ms: m.kill_after_ms,
        ...(m.workdir !== undefined ? { workdir: m.workdir } : {}),
        ...(m.timeout_ms !== undefined ? { timeout_ms: m.timeout_ms } : {}),
        ...(m.max_log_bytes !== undefined ? { max_log_bytes: m.max_log_bytes } : {}),
        ...(spec.stdin !== undefined ? { stdin: spec.stdin.toString('base64') } : {}),
      },
    });
    await applyTransition(spec.dir, (cur) => setWaitingFor(cur, `runner ${this.runner}`, process.pid));
    return this.prepare();
  }

  async recover(): Promise<RemoteIdentity | undefined> {
    return readOffer(this.root, this.meta.job_id) === undefined ? undefined : this.prepare();
  }

  /** When the runner last said a word of this job: its last report, else its claim. */
  private lastHeard(claim: RunnerClaim): number {
    const times = [claim.at, readReport(this.root, this.meta.job_id)?.reported_at];
    return Math.max(...times.map((t) => (t === undefined ? 0 : Date.parse(t) || 0)));
  }

  async phase(): Promise<RemotePhase> {
    const id = this.meta.job_id;
    const claim = readClaim(this.root, id);
    if (claim === undefined) return { phase: 'pending' };
    if (claim.withdrawn === true) return { phase: 'ended', signal: readKillOrder(this.root, id)?.signal ?? 'SIGTERM', neverStarted: true };
    const report = readReport(this.root, id);
    const end = report?.ended;
    if (end !== undefined && spoolSize(this.root, id, 'stdout') >= end.stdout_bytes && spoolSize(this.root, id, 'stderr') >= end.stderr_bytes) {
      this.end = end;
      return endedPhase(end, report?.started_at);
    }
    const now = Date.now();
    const heard = this.lastHeard(claim);
    const silentMs = now - heard;
    const served = servedSince(this.root);
    // The silence a server was there to hear: none while no server serves the root.
    const heardSilenceMs = served === undefined ? 0 : now - Math.max(heard, served);
    if (heardSilenceMs > this.def.lease_ms) {
      return { phase: 'ended', lostReason: `runner ${this.runner} was not heard from about this job for ${seconds(heardSilenceMs)} (lease ${seconds(this.def.lease_ms)}): nobody observed how the job ended` };
    }
    if (silentMs > RUNNER_LATE_MS) throw new TargetError(`runner ${this.runner} not heard from for ${seconds(silentMs)}`, true);
    if (report?.phase === 'running' || end !== undefined) return { phase: 'running', ...(report?.started_at !== undefined ? { startedAt: report.started_at } : {}) };
    return { phase: 'pending' };
  }

  async sync(_id: RemoteIdentity, logs: LogSink): Promise<void> {
    const cap = this.meta.max_log_bytes === undefined ? Infinity : this.meta.max_log_bytes + 1;
    const id = this.meta.job_id;
    for (const stream of ['stdout', 'stderr'] as const) {
      for (;;) {
        const offset = logs.size(stream);
        const wanted = Math.min(spoolSize(this.root, id, stream), cap) - offset;
        if (wanted <= 0) break;
        const bytes = readSpool(this.root, id, stream, offset, Math.min(wanted, CHUNK_BYTES));
        if (bytes.length === 0) break;
        logs.append(stream, bytes);
      }
    }
    const end = this.end;
    if (end !== undefined) this.complete = logs.size('stdout') >= Math.min(end.stdout_bytes, cap) && logs.size('stderr') >= Math.min(end.stderr_bytes, cap);
  }

  async signal(_id: RemoteIdentity, signal: NodeJS.Signals): Promise<void> {
    const id = this.meta.job_id;
    const at = nowIso();
    writeKillOrder(this.root, id, signal, at);
    // Not claimed yet: withdraw the offer (unless a runner claims it first; then it gets the order).
    if (readClaim(this.root, id) === undefined) takeClaim(this.root, id, { runner: '', claim_id: '', at, withdrawn: true });
  }

  async sample(): Promise<undefined> {
    return undefined;
  }

  async cleanup(): Promise<void> {
    removeRunnerSpool(this.root, this.meta.job_id);
  }

  async close(): Promise<void> {
    if (this.complete) dropSpooledOutput(this.root, this.meta.job_id);
  }
}
