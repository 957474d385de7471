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
// - A reported end is never replaced by a later report.
import { JobError, usageError } from '../errors.js';
import { nowIso } from '../util/time.js';
import {
  openOffers, readClaim, readKillOrder, readOffer, readReport, spoolAt, spoolDone, spoolSize, takeClaim, writeReport,
  type RunnerEnd, type RunnerJobSpec, type RunnerReport,
} from '../store/runner-spool.js';
import type { StreamName } from '../store/types.js';

/** Ids of the jobs offered to `runner` and not claimed yet, at most `max`. */
export const offersFor = (root: string, runner: string, max: number): string[] => openOffers(root, runner).slice(0, max);

export interface Grant {
  job_id: string;
  claim_id: string;
  spec: RunnerJobSpec;
}

const notOffered = (runner: string, id: string): JobError => new JobError('job_not_found', `no job ${id} is offered to runner ${runner}`, { job_id: id, runner });

/** Claims job `id` for `runner` under `claimId`; the same claim again returns the same grant. */
export function claimJob(root: string, runner: string, id: string, claimId: string): Grant {
  const offer = readOffer(root, id);
  if (offer === undefined || offer.runner !== runner) throw notOffered(runner, id);
  const recorded = takeClaim(root, id, { runner, claim_id: claimId, at: nowIso() });
  if (recorded.withdrawn === true) throw new JobError('invalid_state', `job ${id} was killed before a runner claimed it`, { job_id: id });
  if (recorded.runner !== runner || recorded.claim_id !== claimId) throw new JobError('invalid_state', `job ${id} is claimed already (another claim)`, { job_id: id });
  return { job_id: id, claim_id: claimId, spec: offer.spec };
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

export interface ReportAnswer {
  stdout_bytes: number;
  stderr_bytes: number;
  /** True once the server holds the job's end and all of its output: the runner may forget it. */
  done: boolean;
  kill?: { signal: string; seq: number };
}

/** Takes a report of job `id` from `runner`; refused unless that runner holds it under that claim. */
export function takeReport(root: string, runner: string, id: string, report: ReportIn): ReportAnswer {
  const offer = readOffer(root, id);
  if (offer === undefined || offer.runner !== runner) throw notOffered(runner, id);
  const claim = readClaim(root, id);
  if (claim === undefined || claim.withdrawn === true || claim.runner !== runner || claim.claim_id !== report.claim_id) {
    throw new JobError('invalid_state', `runner ${runner} does not hold job ${id} under claim ${JSON.stringify(report.claim_id.slice(0, 80))}`, { job_id: id });
  }
  const kill = readKillOrder(root, id);
  const killField = kill === undefined ? {} : { kill: { signal: kill.signal, seq: kill.seq } };
  if (spoolDone(root, id)) return { stdout_bytes: report.ended?.stdout_bytes ?? 0, stderr_bytes: report.ended?.stderr_bytes ?? 0, done: true, ...killField };
  const held = (stream: StreamName): number => {
    const chunk = report[stream];
    return chunk === undefined || chunk.data.length === 0 ? spoolSize(root, id, stream) : spoolAt(root, id, stream, chunk.offset, chunk.data);
  };
  const sizes = { stdout_bytes: held('stdout'), stderr_bytes: held('stderr') };
  const before = readReport(root, id);
  if (before?.ended === undefined) {
    const startedAt = before?.started_at ?? report.started_at;
    writeReport(root, id, {
      phase: report.ended !== undefined ? 'ended' : report.phase,
      ...(startedAt !== undefined ? { started_at: startedAt } : {}),
      ...(report.ended !== undefined ? { ended: report.ended } : {}),
      reported_at: nowIso(),
    });
  } else {
    writeReport(root, id, { ...before, reported_at: nowIso() });
  }
  const ended = before?.ended ?? report.ended;
  const done = ended !== undefined && sizes.stdout_bytes >= ended.stdout_bytes && sizes.stderr_bytes >= ended.stderr_bytes;
  return { ...sizes, done, ...killField };
}

/** Checks a claim id or job id given by a runner: short, printable, no path characters. */
export function checkToken(value: unknown, what: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z0-9_-]{1,100}$/.test(value)) throw usageError(`${what} must be 1 to 100 letters, digits, "_" or "-"`, { argument: what });
  return value;
}
