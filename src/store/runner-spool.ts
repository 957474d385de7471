// What `jobctl serve` keeps for a job offered to a runner, in `<root>/.runners/jobs/<id>/`
// (0700; not id-shaped at the root, so `list` and `gc` never see it): `offer.json` (what the
// runner needs to run the job, secrets included: 0600), `claim.json` (who took it), `report.json`
// (the runner's last word on its phase), `kill.json` (a signal for the runner to deliver) and
// `stdout`/`stderr` (the job's output as the runner sent it, by byte offset); and an index of
// the open offers of each runner, `<root>/.runners/offers/<runner>/<id>` (empty files).
// Invariants:
// - A job is claimed at most once: claim.json is made by link(2), which never replaces, so of
//   two claims (or a claim and the withdrawal of the offer by a kill) exactly one is recorded;
//   the same claim sent again reads back the one recorded.
// - The spooled logs only grow, each byte at the offset the runner gave: a byte already there is
//   never rewritten and no gap is ever made, so a chunk sent twice, or overlapping what arrived
//   before, changes nothing. The spool files are made with the offer and only ever opened
//   without O_CREAT after that: once dropped (the job's logs hold them), no late report makes
//   them again.
// - Open offers are served oldest first (by `offered_at`).
// - The serve process writes the offer's answers; the job's supervisor writes the offer, the
//   kill order and removes the spool. Neither ever touches the job's own files here.
import { closeSync, fstatSync, fsyncSync, readdirSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../util/make-dirs.js';
import { fsyncDir, linkIntoPlace, readJsonIfPresent, renameIntoPlace, writeFileAtomic, writeJsonAtomic, writeTempFile } from './atomic.js';
import { isJobIdShape } from './ids.js';
import { fileSize } from './jobs.js';
import { readLogFrom } from './log-range.js';
import { openForAppend, openForRead, openForWriting } from './safe-open.js';
import type { StreamName } from './types.js';

/** What a runner is told to run: the job's command, environment and limits. */
export interface RunnerJobSpec {
  argv: string[];
  env: Record<string, string>;
  /** Keys of `env` whose values are secret (the runner keeps them masked). */
  mask: string[];
  workdir?: string;
  timeout_ms?: number;
  kill_after_ms: number;
  max_log_bytes?: number;
  /** The job's stdin (an agent's prompt, --stdin), base64. */
  stdin?: string;
}

export interface RunnerOffer {
  job_id: string;
  runner: string;
  offered_at: string;
  spec: RunnerJobSpec;
}

/** A claim by a runner, or the offer withdrawn (`withdrawn`, by a kill before any claim). */
export interface RunnerClaim {
  runner: string;
  claim_id: string;
  at: string;
  withdrawn?: true;
}

export interface RunnerEnd {
  exit_code?: number;
  signal?: string;
  timed_out?: boolean;
  finished_at?: string;
  error?: { code: string; message: string };
  lost_reason?: string;
  /** The job ended on the runner without its command ever starting (killed first, launch failed). */
  never_started?: true;
  /** The job's log sizes at its end: the spool is complete once it holds this much. */
  stdout_bytes: number;
  stderr_bytes: number;
}

export interface RunnerReport {
  phase: 'pending' | 'running' | 'ended';
  started_at?: string;
  ended?: RunnerEnd;
  reported_at: string;
}

export interface KillOrder {
  signal: string;
  /** Increases with each order, so a runner delivers each one once. */
  seq: number;
  requested_at: string;
}

export const runnersDir = (root: string): string => join(root, '.runners');
const jobsDir = (root: string): string => join(runnersDir(root), 'jobs');
const jobPath = (root: string, id: string, name: string): string => join(jobsDir(root), id, name);

/** The open offers of each runner, one empty file per job: a poll reads one directory. */
const openOffer = (root: string, runner: string, id: string): string => join(runnersDir(root), 'offers', runner, id);

export function writeOffer(root: string, offer: RunnerOffer): void {
  makeDirs(join(jobsDir(root), offer.job_id), 0o700);
  writeJsonAtomic(jobPath(root, offer.job_id, 'offer.json'), offer);
  for (const stream of ['stdout', 'stderr']) closeSync(openForAppend(jobPath(root, offer.job_id, stream)));
  makeDirs(join(runnersDir(root), 'offers', offer.runner), 0o700);
  writeFileAtomic(openOffer(root, offer.runner, offer.job_id), '', 0o600, false);
}

/** Ids of the offers made to `runner` and not yet claimed (nor withdrawn), oldest offer first. */
export function openOffers(root: string, runner: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(runnersDir(root), 'offers', runner));
  } catch {
    return [];
  }
  const open: { id: string; at: string }[] = [];
  for (const id of names.filter(isJobIdShape)) {
    const offer = readOffer(root, id);
    if (readClaim(root, id) === undefined && offer?.runner === runner) open.push({ id, at: offer.offered_at });
    else rmSync(openOffer(root, runner, id), { force: true });
  }
  return open.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id)).map((o) => o.id);
}

export const readOffer = (root: string, id: string): RunnerOffer | undefined => (isJobIdShape(id) ? readJsonIfPresent<RunnerOffer>(jobPath(root, id, 'offer.json')) : undefined);
export const readClaim = (root: string, id: string): RunnerClaim | undefined => readJsonIfPresent<RunnerClaim>(jobPath(root, id, 'claim.json'));
export const readReport = (root: string, id: string): RunnerReport | undefined => readJsonIfPresent<RunnerReport>(jobPath(root, id, 'report.json'));
export const readKillOrder = (root: string, id: string): KillOrder | undefined => readJsonIfPresent<KillOrder>(jobPath(root, id, 'kill.json'));

/** Records `claim` unless a claim is recorded already; returns the one recorded. */
export function takeClaim(root: string, id: string, claim: RunnerClaim): RunnerClaim {
  const path = jobPath(root, id, 'claim.json');
  linkIntoPlace(writeTempFile(path, JSON.stringify(claim) + '\n'), path);
  const runner = readOffer(root, id)?.runner;
  if (runner !== undefined) rmSync(openOffer(root, runner, id), { force: true });
  return readClaim(root, id) ?? claim;
}

/** Writes the runner's last word; `durable` (an end) syncs it before returning. */
export function writeReport(root: string, id: string, report: RunnerReport, durable = false): void {
  const path = jobPath(root, id, 'report.json');
  if (durable) writeJsonAtomic(path, report);
  else renameIntoPlace(writeTempFile(path, JSON.stringify(report, null, 2) + '\n', 0o600, false), path);
}

export function writeKillOrder(root: string, id: string, signal: string, at: string): void {
  const seq = (readKillOrder(root, id)?.seq ?? 0) + 1;
  writeJsonAtomic(jobPath(root, id, 'kill.json'), { signal, seq, requested_at: at } satisfies KillOrder);
}

export const spoolSize = (root: string, id: string, stream: StreamName): number => fileSize(jobPath(root, id, stream));

/**
 * Stores output the runner sent for `offset`: the part past the spool's end (none when the chunk
 * starts past it); returns the spool's size afterwards, or undefined when the spool is gone
 * (dropped once complete, or never made).
 */
export function spoolAt(root: string, id: string, stream: StreamName, offset: number, bytes: Buffer): number | undefined {
  const fd = openForWriting(jobPath(root, id, stream));
  if (fd === undefined) return undefined;
  try {
    const size = fstatSync(fd).size;
    if (offset > size || offset + bytes.length <= size) return size;
    const fresh = bytes.subarray(size - offset);
    let done = 0;
    while (done < fresh.length) done += writeSync(fd, fresh, done, fresh.length - done);
    return size + fresh.length;
  } finally {
    closeSync(fd);
  }
}

/** Makes the spooled output durable (before the server answers that it holds all of it). */
export function syncSpool(root: string, id: string): void {
  for (const stream of ['stdout', 'stderr']) {
    const fd = openForRead(jobPath(root, id, stream));
    if (fd === undefined) continue;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  fsyncDir(join(jobsDir(root), id));
}

export const readSpool = (root: string, id: string, stream: StreamName, offset: number, max: number): Buffer => readLogFrom(jobPath(root, id, stream), offset, max);

/** Drops the spooled output once the job's own logs hold it all (the records stay, marked done). */
export function dropSpooledOutput(root: string, id: string): void {
  writeSoftJson(jobPath(root, id, 'done.json'), { done: true });
  for (const stream of ['stdout', 'stderr']) rmSync(jobPath(root, id, stream), { force: true });
}

/** True once the job's supervisor has all of its output (nothing more is taken). */
export const spoolDone = (root: string, id: string): boolean => readJsonIfPresent(jobPath(root, id, 'done.json')) !== undefined;

/** Removes everything kept for the job. */
export function removeRunnerSpool(root: string, id: string): void {
  if (!isJobIdShape(id)) return;
  const runner = readOffer(root, id)?.runner;
  if (runner !== undefined) rmSync(openOffer(root, runner, id), { force: true });
  rmSync(join(jobsDir(root), id), { recursive: true, force: true });
}

/** Writes a small file without syncing (contact times: losing one to a crash costs nothing). */
export function writeSoftJson(path: string, value: unknown): void {
  renameIntoPlace(writeTempFile(path, JSON.stringify(value) + '\n', 0o600, false), path);
}
