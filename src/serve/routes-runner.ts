// /v1/runners/NAME/...: the routes a `jobctl runner` uses (docs/runners.md). Each checks the
// runner's own token (runner-auth.ts) before reading a body or touching the store, records the
// runner's contact, then does one exchange (runner-exchange.ts):
//   GET  /v1/runners/NAME/poll?wait=MS&max=N   offers (job ids) for this runner; held open up
//        to `wait` (at most 30 s) until one exists
//   POST /v1/runners/NAME/claim                {job_id, claim_id} → the grant (what to run)
//   POST /v1/runners/NAME/jobs/ID/report       {claim_id, phase, started_at?, ended?, stdout?,
//        stderr?} (chunks: {offset, data: base64}) → the sizes held, `done`, a kill order
// A poll is not contact while it is held open: a runner cut off mid-poll goes quiet at once.
// Contact (what `executors` shows) is recorded only for a request that was not refused; a
// job's lease is its own reports, not contact (executors/runner/target.ts).
import type { IncomingMessage } from 'node:http';
import { constants } from 'node:os';
import { usageError } from '../errors.js';
import { nowIso } from '../util/time.js';
import { readContact, recordContact } from '../store/runner-contact.js';
import type { RunnerEnd } from '../store/runner-spool.js';
import type { TokenCheck } from './auth.js';
import { readJsonBody } from './body.js';
import type { CallScope } from './call.js';
import { sendJson } from './respond.js';
import type { Route, RouteRequest } from './router.js';
import { checkRunner } from './runner-auth.js';
import { checkToken, claimJob, offersFor, takeReport, type Chunk, type ReportIn } from './runner-exchange.js';

const MAX_WAIT_MS = 30_000;
const LOOK_EVERY_MS = 200;

function intParam(query: URLSearchParams, key: string, fallback: number, max: number): number {
  const text = query.get(key);
  if (text === null) return fallback;
  if (!/^\d{1,9}$/.test(text)) throw usageError(`${key} must be a whole number`, { argument: key });
  return Math.min(Number(text), max);
}

/** Records that the runner was heard from (its version from the request); after a request taken. */
function noteContact(scope: CallScope, req: IncomingMessage, name: string, labels?: string[]): void {
  const before = readContact(scope.root, name);
  const version = req.headers['x-jobctl-version'];
  const v = typeof version === 'string' ? version.slice(0, 64) : before?.version;
  const l = labels ?? before?.labels;
  recordContact(scope.root, { runner: name, last_contact: nowIso(), ...(v !== undefined ? { version: v } : {}), ...(l !== undefined ? { labels: l } : {}) });
}

function chunkOf(value: unknown, stream: string): Chunk | undefined {
  if (value === undefined) return undefined;
  const v = value as { offset?: unknown; data?: unknown };
  if (typeof v !== 'object' || v === null || !Number.isSafeInteger(v.offset) || (v.offset as number) < 0 || typeof v.data !== 'string') {
    throw usageError(`${stream} must be {offset: a byte offset, data: base64}`, { argument: stream });
  }
  return { offset: v.offset as number, data: Buffer.from(v.data, 'base64') };
}

function endOf(value: unknown): RunnerEnd | undefined {
  if (value === undefined) return undefined;
  const e = value as Partial<RunnerEnd>;
  const sizeOk = (n: unknown): boolean => Number.isSafeInteger(n) && (n as number) >= 0;
  if (typeof e !== 'object' || e === null || !sizeOk(e.stdout_bytes) || !sizeOk(e.stderr_bytes)) throw usageError('ended must carry stdout_bytes and stderr_bytes', { argument: 'ended' });
  const out: RunnerEnd = { stdout_bytes: e.stdout_bytes as number, stderr_bytes: e.stderr_bytes as number };
  if (e.exit_code !== undefined) {
    if (!Number.isInteger(e.exit_code) || e.exit_code < 0 || e.exit_code > 255) throw usageError('ended.exit_code must be a whole number from 0 to 255', { argument: 'ended.exit_code' });
    out.exit_code = e.exit_code;
  }
  if (e.signal !== undefined) {
    if (typeof e.signal !== 'string' || !Object.hasOwn(constants.signals, e.signal)) throw usageError('ended.signal must be a signal name such as SIGTERM', { argument: 'ended.signal' });
    out.signal = e.signal;
  }
  if (e.never_started === true) out.never_started = true;
  if (e.timed_out === true) out.timed_out = true;
  if (typeof e.finished_at === 'string') out.finished_at = e.finished_at.slice(0, 40);
  if (typeof e.lost_reason === 'string') out.lost_reason = e.lost_reason.slice(0, 500);
  if (typeof e.error === 'object' && e.error !== null) out.error = { code: String(e.error.code).slice(0, 40), message: String(e.error.message).slice(0, 500) };
  if (out.exit_code === undefined && out.signal === undefined && out.error === undefined && out.lost_reason === undefined) throw usageError('ended must say how the job ended (exit_code, signal, error or lost_reason)', { argument: 'ended' });
  return out;
}

function reportOf(body: Record<string, unknown>): ReportIn {
  const phase = body['phase'];
  if (phase !== 'pending' && phase !== 'running' && phase !== 'ended') throw usageError('phase must be pending, running or ended', { argument: 'phase' });
  const ended = endOf(body['ended']);
  if (phase === 'ended' && ended === undefined) throw usageError('an ended phase needs `ended`', { argument: 'ended' });
  const startedAt = body['started_at'];
  const stdout = chunkOf(body['stdout'], 'stdout');
  const stderr = chunkOf(body['stderr'], 'stderr');
  return {
    claim_id: checkToken(body['claim_id'], 'claim_id'),
    phase,
    ...(typeof startedAt === 'string' ? { started_at: startedAt.slice(0, 40) } : {}),
    ...(ended !== undefined ? { ended } : {}),
    ...(stdout !== undefined ? { stdout } : {}),
    ...(stderr !== undefined ? { stderr } : {}),
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function runnerRoutes(scope: CallScope, clientToken: TokenCheck): Route[] {
  const route = (method: Route['method'], pattern: string, handle: (r: RouteRequest) => Promise<void>): Route => ({ method, pattern, auth: false, handle });
  return [
    route('GET', '/v1/runners/:name/poll', async ({ req, res, params, query }) => {
      const name = params['name'] as string;
      const labels = query.getAll('label').map((l) => l.slice(0, 64)).slice(0, 50);
      checkRunner(scope.config, clientToken, name, req.headers.authorization);
      noteContact(scope, req, name, labels);
      const deadline = Date.now() + intParam(query, 'wait', 0, MAX_WAIT_MS);
      const max = Math.max(1, intParam(query, 'max', 1, 1000));
      let gone = false;
      res.once('close', () => (gone = true));
      let offers = offersFor(scope.root, name, max);
      while (offers.length === 0 && !gone && Date.now() < deadline) {
        await sleep(LOOK_EVERY_MS);
        offers = offersFor(scope.root, name, max);
      }
      sendJson(res, 200, { schema_version: '1', ok: true, type: 'runner_poll', offers: offers.map((job_id) => ({ job_id })) });
    }),
    route('POST', '/v1/runners/:name/claim', async ({ req, res, params }) => {
      const name = params['name'] as string;
      checkRunner(scope.config, clientToken, name, req.headers.authorization);
      const body = await readJsonBody(req, true);
      const grant = claimJob(scope.root, name, checkToken(body['job_id'], 'job_id'), checkToken(body['claim_id'], 'claim_id'));
      noteContact(scope, req, name);
      sendJson(res, 200, { schema_version: '1', ok: true, type: 'runner_claim', ...grant });
    }),
    route('POST', '/v1/runners/:name/jobs/:id/report', async ({ req, res, params }) => {
      const name = params['name'] as string;
      checkRunner(scope.config, clientToken, name, req.headers.authorization);
      const report = reportOf(await readJsonBody(req, true));
      const answer = takeReport(scope.root, name, checkToken(params['id'], 'job id'), report);
      noteContact(scope, req, name);
      sendJson(res, 200, { schema_version: '1', ok: true, type: 'runner_report', ...answer });
    }),
  ];
}
