// What a runner's requests do to the store (routes-runner.ts calls these once the runner's token
// is checked): the offers waiting for it, claiming one, and taking a report of a held job.
// Invariants:
// - A runner sees and claims only offers made to it; a claim names a claim id chosen by the
//   runner, so a claim sent again (its answer lost) gets the same grant, and a job is granted
//   to one claim only — never run twice.
// - A report is taken only from the runner holding the job under the claim it names; anything
//   else is refused before the store is touched. Output is stored at the offsets the runner
//   gives (a chunk sent twice changes nothing); the answer says how much the server holds, so
//   the runner resends from there.
// - A reported end is never replaced by a later report; `done` is answered only once the end and
//   every byte it counts are synced to disk.
// - A report of a job that ended on the server otherwise (lost, deleted) is refused: the runner
//   stops its copy. A claim's answer carries the kill order given since the offer, so a job
//   killed between its claim and its start never starts.
import { JobError, usageError } from '../errors.js';
import { nowIso } from '../util/time.js';
import { isTerminal, type JobStateName } from '../job/state.js';
import { jobDir, readState } from '../store/jobs.js';
import {
  openOffers, readClaim, readKillOrder, readOffer, readReport, spoolAt, spoolDone, spoolSize, syncSpool, takeClaim, writeReport,
  type RunnerEnd, type RunnerJobSpec, type RunnerReport,
} from '../store/runner-spool.js';
import type { StreamName } from '../store/types.js';

/** Ids of the jobs offered to `runner` and not claimed yet, at most `max`. */
export const offersFor = (root: string, runner: string, max: number): string[] => openOffers(root, runner).slice(0, max);

export interface KillField {
  kill?: { signal: string; seq: number };
}

export interface Grant extends KillField {
  job_id: string;
  claim_id: string;
  spec: RunnerJobSpec;
}

function killField(root: string, id: string): KillField {
  const kill = readKillOrder(root, id);
  return kill === undefined ? {} : { kill: { signal: kill.signal, seq: kill.seq } };
}

/** The server's state of job `id`, undefined when the job is gone. */
function serverState(root: string, id: string): string | undefined {
  try {
    return readState(jobDir(root, id)).state;
  } catch {
    return undefined;
  }
}

const notOffered = (runner: string, id: string): JobError => new JobError('job_not_found', `no job ${id} is offered to runner ${runner}`, { job_id: id, runner });

/** Claims job `id` for `runner` under `claimId`; the same claim again returns the same grant. */
export function claimJob(root: string, runner: string, id: string, claimId: string): Grant {
  const offer = readOffer(root, id);
  if (offer === undefined || offer.runner !== runner) throw notOffered(runner, id);
  const recorded = takeClaim(root, id, { runner, claim_id: claimId, at: nowIso() });
  if (recorded.withdrawn === true) throw new JobError('invalid_state', `job ${id} was killed before a runner claimed it`, { job_id: id });
  if (recorded.runner !== runner || recorded.claim_id !== claimId) throw new JobError('invalid_state', `job ${id} is claimed already (another claim)`, { job_id: id });
  return { job_id: id, claim_id: claimId, spec: offer.spec, ...killField(root, id) };
}

export interface Chunk {
  offset: number;
  data: Buffer;
}

export interface ReportIn {
  claim_id: string;
  phase: RunnerReport['phase'];
  started_at?: string;
  ended?: RunnerEnd;
  stdout?: Chunk;
  stderr?: Chunk;
}

export interface ReportAnswer extends KillField {
  stdout_bytes: number;
  stderr_bytes: number;
  /** True once the server holds the job's end and all of its output: the runner may forget it. */
  done: boolean;
}

/** Takes a report of job `id` from `runner`; refused unless that runner holds it under that claim. */
export function takeReport(root: string, runner: string, id: string, report: ReportIn): ReportAnswer {
  const offer = readOffer(root, id);
  if (offer === undefined || offer.runner !== runner) throw notOffered(runner, id);
  const claim = readClaim(root, id);
  if (claim === undefined || claim.withdrawn === true || claim.runner !== runner || claim.claim_id !== report.claim_id) {
    throw new JobError('invalid_state', `runner ${runner} does not hold job ${id} under claim ${JSON.stringify(report.claim_id.slice(0, 80))}`, { job_id: id });
  }
  const kill = killField(root, id);
  const doneAnswer = (): ReportAnswer => ({ stdout_bytes: report.ended?.stdout_bytes ?? 0, stderr_bytes: report.ended?.stderr_bytes ?? 0, done: true, ...kill });
  const before = readReport(root, id);
  const complete = (end: RunnerEnd | undefined): boolean => end !== undefined && spoolSize(root, id, 'stdout') >= end.stdout_bytes && spoolSize(root, id, 'stderr') >= end.stderr_bytes;
  if (spoolDone(root, id) || complete(before?.ended)) return doneAnswer();
  const state = serverState(root, id);
  if (state === undefined || isTerminal(state as JobStateName)) {
    throw new JobError('invalid_state', `job ${id} ${state === undefined ? 'is gone' : `ended on the server (${state})`}: its report is refused, stop it`, { job_id: id, ...(state !== undefined ? { state } : {}) });
  }
  const held = (stream: StreamName): number | undefined => {
    const chunk = report[stream];
    return chunk === undefined || chunk.data.length === 0 ? spoolSize(root, id, stream) : spoolAt(root, id, stream, chunk.offset, chunk.data);
  };
  const stdoutBytes = held('stdout');
  const stderrBytes = held('stderr');
  // The spool was dropped meanwhile: the job's logs hold all of it.
  if (stdoutBytes === undefined || stderrBytes === undefined) return doneAnswer();
  const ended = before?.ended ?? report.ended;
  const done = ended !== undefined && stdoutBytes >= ended.stdout_bytes && stderrBytes >= ended.stderr_bytes;
  if (done) syncSpool(root, id);
  if (before?.ended === undefined) {
    const startedAt = before?.started_at ?? report.started_at;
    writeReport(root, id, {
      phase: report.ended !== undefined ? 'ended' : report.phase,
      ...(startedAt !== undefined ? { started_at: startedAt } : {}),
      ...(report.ended !== undefined ? { ended: report.ended } : {}),
      reported_at: nowIso(),
    }, report.ended !== undefined);
  } else {
    writeReport(root, id, { ...before, reported_at: nowIso() });
  }
  return { stdout_bytes: stdoutBytes, stderr_bytes: stderrBytes, done, ...kill };
}

/** Checks a claim id or job id given by a runner: short, printable, no path characters. */
export function checkToken(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(value)) throw usageError(`${what} must be 1 to 100 letters, digits, "_" or "-"`, { argument: what });
  return value;
}
