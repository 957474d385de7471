// `gc`: delete terminal jobs older than the window (finished_at, else last update), and corrupt
// jobs (files that cannot be read as a job) whose directory is older than the window. Never
// touches a created, queued or running job. Then the event log's retention.
import { optBool, optString } from '../command-support/args.js';
import { parseDuration, formatDuration } from '../util/duration.js';
import { DEFAULT_GC_OLDER_THAN_MS, type Config } from '../config.js';
import { applyEventRetention } from '../store/event-retention.js';
import { scanJobs } from '../store/scan.js';
import { reconcile } from '../job/reconcile.js';
import { dirBytes, deleteJob, readJob, removeDeletionDebris } from '../store/jobs.js';
import { removeIdleSessions } from '../store/session-slots.js';

const IDLE_SESSION_MS = 60_000;
import type { CleanupResult } from '../executors/cleanup.js';
import { isJobIdShape } from '../store/ids.js';
import { ensureCloudReaperRuns } from '../supervisor/start.js';
import { cloudExecutors } from '../store/cloud-instances.js';
import { JobError } from '../errors.js';
import { deletionRefused } from './delete.js';
import { isTerminal, type JobStateRecord } from '../job/state.js';
import { isCorrupt, type CorruptJob, type JobRecord } from '../store/types.js';
import type { CommandDef } from '../command-support/types.js';

/** Destroys idle-expired and crash-left cloud instances (only when the root has any). */
async function repairCloud(root: string): Promise<{ destroyed: string[]; failed: string[] } | undefined> {
  if (cloudExecutors(root).length === 0) return undefined;
  const { repairAllInstances } = await import('../executors/cloud/api.js');
  const result = await repairAllInstances(root);
  ensureCloudReaperRuns(root);
  return result;
}

export const gcCommand: CommandDef = {
  command: 'gc',
  describe: 'delete terminal jobs older than a window',
  type: 'gc',
  options: {
    'older-than': { type: 'string', describe: 'window (default: config gc.older_than, else 30d)' },
    'dry-run': { type: 'boolean', describe: 'report what would be deleted, delete nothing' },
  },
  async handler(args, ctx) {
    const dryRun = optBool(args, 'dry-run');
    const flag = optString(args, 'older-than');
    let olderThanMs: number;
    let source: 'flag' | 'config' | 'default';
    if (flag !== undefined) {
      olderThanMs = parseDuration(flag, '--older-than', ctx.warn);
      source = 'flag';
    } else {
      const configured = ctx.config().config.gc.older_than_ms;
      olderThanMs = configured ?? DEFAULT_GC_OLDER_THAN_MS;
      source = configured !== undefined ? 'config' : 'default';
    }
    const cutoff = Date.now() - olderThanMs;
    const rows: Record<string, unknown>[] = [];
    let deleted = 0;
    let skipped = 0;
    let freed = 0;
    let wouldDelete = 0;
    // What an interrupted delete left behind is not a job any more: it goes first.
    const debris = dryRun ? 0 : removeDeletionDebris(ctx.root, isJobIdShape);
    const scanned = scanJobs(ctx.root);
    for (const found of scanned.filter(isCorrupt)) {
      const result = await collectCorrupt(found, cutoff, dryRun);
      rows.push(result.row);
      if (result.removed === undefined) skipped++;
      else {
        deleted += result.removed ? 1 : 0;
        wouldDelete++;
        freed += result.row['bytes'] as number;
      }
    }
    for (const candidate of scanned.filter((j): j is JobRecord => !isCorrupt(j))) {
      let job: typeof candidate;
      try {
        job = await reconcile(candidate, ctx.actions);
      } catch (err) {
        // Deleted meanwhile, or unreadable right now: not this run's business.
        skipped++;
        rows.push({ job_id: candidate.meta.job_id, state: candidate.state.state, action: 'skipped', reason: (err as Error).message, bytes: 0 });
        continue;
      }
      const row = { job_id: job.meta.job_id, state: job.state.state };
      const bytes = dirBytes(job.dir);
      // Checked again under the job lock when deleting: the job may change meanwhile.
      const keep = (state: JobStateRecord): string | undefined => {
        if (!isTerminal(state.state)) return `job is ${state.state}`;
        const refused = deletionRefused(state);
        if (refused !== undefined) return refused.message;
        const stamp = Date.parse(state.finished_at ?? state.updated_at);
        if (!Number.isFinite(stamp)) return 'no finished_at or updated_at';
        return stamp > cutoff ? 'newer than the window' : undefined;
      };
      let reason = keep(job.state);
      let remoteCleanup: CleanupResult | undefined;
      if (reason === undefined && !dryRun) {
        try {
          // Loaded only when needed: execa and the targets cost every other gc their start-up.
          if (job.meta.executor_def !== undefined) remoteCleanup = await (await import('../executors/cleanup.js')).cleanupRemote(readJob(job.dir));
          await deleteJob(job.dir, (now) => {
            const why = isCorrupt(now) ? 'became corrupt meanwhile' : keep(now.state);
            return why === undefined ? undefined : new JobError('invalid_state', why);
          });
          deleted++;
        } catch (err) {
          reason = (err as Error).message;
        }
      }
      if (reason !== undefined) {
        skipped++;
        rows.push({ ...row, action: 'skipped', reason, bytes });
        continue;
      }
      freed += bytes;
      wouldDelete++;
      rows.push({ ...row, action: dryRun ? 'would_delete' : 'deleted', reason: `finished more than ${formatDuration(olderThanMs)} ago`, bytes, ...(remoteCleanup !== undefined ? { remote_cleanup: remoteCleanup } : {}) });
    }
    const cloud = dryRun ? undefined : await repairCloud(ctx.root);
    return {
      ...(cloud !== undefined ? { cloud_instances: cloud } : {}),
      root: ctx.root,
      dry_run: dryRun,
      older_than: formatDuration(olderThanMs),
      older_than_source: source,
      deleted,
      would_delete: dryRun ? wouldDelete : 0,
      debris_removed: debris,
      // Agent-session slot directories with nobody in them (untouched for a minute).
      session_slots_removed: dryRun ? 0 : await removeIdleSessions(ctx.root, IDLE_SESSION_MS),
      // The event log's retention ([events] max_age, max_bytes): a broken log is a warning.
      events_removed: dryRun ? 0 : trimEventLog(ctx.root, ctx.config().config.events, ctx.warn),
      skipped,
      freed_bytes: freed,
      jobs: rows,
    };
  },
};

/** Applies the event log's retention; returns how many events went (0 with a warning on failure). */
function trimEventLog(root: string, events: Config['events'], warn: (message: string) => void): number {
  try {
    return applyEventRetention(root, { maxAgeMs: events.max_age_ms, maxBytes: events.max_bytes });
  } catch (err) {
    warn(`event log retention not applied: ${(err as Error).message}`);
    return 0;
  }
}

/**
 * A corrupt job past the window (by its directory's mtime) is deleted (or would be); a newer one
 * is skipped. `removed` is undefined when skipped, else whether it was deleted now.
 */
async function collectCorrupt(job: CorruptJob, cutoff: number, dryRun: boolean): Promise<{ row: Record<string, unknown>; removed: boolean | undefined }> {
  const base = { job_id: job.job_id, state: 'corrupt', bytes: dirBytes(job.dir) };
  if (job.mtime_ms > cutoff) return { row: { ...base, action: 'skipped', reason: `corrupt (${job.reason}); newer than the window` }, removed: undefined };
  if (dryRun) return { row: { ...base, action: 'would_delete', reason: `corrupt: ${job.reason}` }, removed: false };
  try {
    await deleteJob(job.dir, () => undefined);
  } catch (err) {
    return { row: { ...base, action: 'skipped', reason: (err as Error).message }, removed: undefined };
  }
  return { row: { ...base, action: 'deleted', reason: `corrupt: ${job.reason}` }, removed: true };
}
