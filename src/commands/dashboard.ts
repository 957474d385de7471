// `dashboard`: the jobs `list` would select (same flags), each with its log sizes, while queued
// what it waits for, and for an agent job a line of its activity; plus counts by state. `--stream` prints it as NDJSON (one
// `dashboard_item` line per job, then `dashboard_end`); `--watch D` repeats that snapshot every D
// until SIGINT/SIGTERM/SIGHUP, which end it cleanly (exit 0) after the snapshot being printed.
import { optBool, optString } from '../command-support/args.js';
import { JobError } from '../errors.js';
import { printStreamLine, STREAMED } from '../output.js';
import { fileSize, jobFiles } from '../store/jobs.js';
import { readActivity } from '../store/agent-files.js';
import { isCorrupt, type CorruptJob, type ListedJob } from '../store/types.js';
import { zeroStateCounts, type JobStateName } from '../job/state.js';
import { nowIso } from '../util/time.js';
import { parseDuration } from '../util/duration.js';
import { corruptSummary, jobSummary } from '../view/job-view.js';
import type { CommandDef, Context } from '../command-support/types.js';
import { parseSelection, selectJobs, selectionOptions, type Selection } from '../command-support/job-selection.js';

function dashboardItem(job: ListedJob | CorruptJob): Record<string, unknown> {
  if (isCorrupt(job)) return corruptSummary(job);
  const files = jobFiles(job.dir);
  const out: Record<string, unknown> = {
    ...jobSummary(job),
    stdout_total_bytes: fileSize(files.stdout),
    stderr_total_bytes: fileSize(files.stderr),
  };
  if (job.state.state === 'queued' && job.state.waiting_for !== undefined) out['waiting_for'] = job.state.waiting_for;
  if (job.meta.agent !== undefined) out['agent'] = agentLine(job.dir);
  return out;
}

/** One line's worth of an agent job's activity: progress, the tool call in hand, the outcome. */
function agentLine(dir: string): Record<string, unknown> {
  const a = readActivity(dir);
  if (a === undefined) return { turns: 0, tool_calls: 0 };
  const last = a.last_tool_calls.at(-1);
  return {
    turns: a.turns,
    tool_calls: a.tool_calls,
    ...(last !== undefined ? { last_tool_call: { name: last.name, input: last.input, status: last.status } } : {}),
    ...(a.cost_usd !== undefined ? { cost_usd: a.cost_usd } : {}),
    ...(a.outcome !== undefined ? { outcome: a.outcome } : {}),
  };
}

interface Snapshot {
  at: string;
  jobs: Record<string, unknown>[];
  count: number;
  truncated: boolean;
  by_state: Record<JobStateName | 'corrupt', number>;
}

async function snapshot(ctx: Context, selection: Selection): Promise<Snapshot> {
  const { jobs, more } = await selectJobs(ctx.root, selection, ctx.actions);
  const byState: Snapshot['by_state'] = { ...zeroStateCounts(), corrupt: 0 };
  for (const job of jobs) byState[isCorrupt(job) ? 'corrupt' : job.state.state]++;
  return { at: nowIso(), jobs: jobs.map(dashboardItem), count: jobs.length, truncated: more, by_state: byState };
}

/** False once stdout is closed (a reader such as `head` went away). */
function printSnapshot(snap: Snapshot): boolean {
  for (const item of snap.jobs) if (!printStreamLine('dashboard_item', item)) return false;
  return printStreamLine('dashboard_end', { at: snap.at, count: snap.count, truncated: snap.truncated, by_state: snap.by_state });
}

/** Repeats the snapshot every `intervalMs` until SIGINT/SIGTERM/SIGHUP or a closed stdout. */
async function watch(ctx: Context, selection: Selection, intervalMs: number): Promise<void> {
  let stopped = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  signals.forEach((s) => process.on(s, stop));
  try {
    while (!stopped) {
      if (!printSnapshot(await snapshot(ctx, selection))) break;
      await new Promise<void>((resolve) => {
        if (stopped) return resolve();
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    signals.forEach((s) => process.off(s, stop));
  }
}

export const dashboardCommand: CommandDef = {
  command: 'dashboard',
  describe: 'jobs with log sizes and counts by state; --stream/--watch for NDJSON',
  type: 'dashboard',
  options: {
    ...selectionOptions,
    stream: { type: 'boolean', describe: 'NDJSON: one dashboard_item line per job, then dashboard_end' },
    watch: { type: 'string', describe: 'repeat the --stream snapshot every D (e.g. 2s) until interrupted' },
  },
  async handler(args, ctx) {
    const selection = parseSelection(args);
    const stream = optBool(args, 'stream');
    const watchText = optString(args, 'watch');
    let intervalMs: number | undefined;
    if (watchText !== undefined) {
      intervalMs = parseDuration(watchText, '--watch', ctx.warn);
      if (intervalMs < 1) throw new JobError('invalid_duration', '--watch: the interval must be at least 1ms', { flag: 'watch', value: watchText.slice(0, 100) });
    }
    if (intervalMs !== undefined) {
      await watch(ctx, selection, intervalMs);
      process.exitCode = 0;
      return STREAMED;
    }
    const snap = await snapshot(ctx, selection);
    if (stream) {
      printSnapshot(snap);
      return STREAMED;
    }
    return {
      root: ctx.root,
      ...(selection.cwd !== undefined ? { cwd: selection.cwd } : {}),
      at: snap.at,
      jobs: snap.jobs,
      count: snap.count,
      truncated: snap.truncated,
      by_state: snap.by_state,
    };
  },
};
