// `logs ID [--lines N] [--follow [INTERVAL]] [--activity]`: the last lines of each stream as one
// object, or, with --follow, an NDJSON stream: the current tails, every new chunk as it is
// appended, and a final `logs_end` once the job is terminal and its logs are read to the end.
// --activity shows an agent job's parsed events instead (command-support/activity-logs.ts).
import { optBool, optInt, optString, type Args } from '../command-support/args.js';
import { printStreamEnd, printStreamLine, secretPrefixLength, STREAMED } from '../output.js';
import { shortId } from '../store/ids.js';
import { jobFiles, readJob } from '../store/jobs.js';
import { readTail } from '../store/tail.js';
import { readLogFrom } from '../store/log-range.js';
import { reconcile } from '../job/reconcile.js';
import type { JobRecord } from '../store/types.js';
import { parseDuration, type Warn } from '../util/duration.js';
import { nowIso } from '../util/time.js';
import { tailFields } from '../view/job-view.js';
import { windowContext } from '../view/log-window.js';
import { redactWindow } from '../window-redaction.js';
import { loadJob } from '../command-support/load-job.js';
import { endFields, followUntilTerminal } from '../command-support/follow-until-end.js';
import { activityLogs } from '../command-support/activity-logs.js';
import { idOptions, type CommandDef, type Context } from '../command-support/types.js';

const DEFAULT_LINES = 50;
const DEFAULT_INTERVAL_MS = 250;
const MIN_INTERVAL_MS = 10;
/** Bytes read from a log per chunk at most: a burst of output becomes several chunks. */
const READ_BYTES = 1024 * 1024;
const DURATION_SHAPE = /^\d{1,12}(ms|s|m|h|d)?$/;

type Stream = 'stdout' | 'stderr';

/** The follow interval, or undefined without --follow. `--follow` alone (yargs: '') = default. */
function followInterval(args: Args, warn: Warn): number | undefined {
  const value = args['follow'];
  if (value === undefined || value === false) return undefined;
  if (value === true || value === '') return DEFAULT_INTERVAL_MS;
  return Math.max(MIN_INTERVAL_MS, parseDuration(optString(args, 'follow'), '--follow', warn));
}

/**
 * `logs --follow ID`: a string flag takes the next word, so a non-duration value with no id
 * given is the id, and --follow has its default interval.
 */
function normaliseArgs(args: Args): Args {
  const follow = args['follow'];
  if (typeof follow === 'string' && follow !== '' && !DURATION_SHAPE.test(follow) && args['id'] === undefined && args['task-id'] === undefined) {
    return { ...args, id: follow, follow: '' };
  }
  return args;
}

/** Bytes to hold back at the end of `buf`: an incomplete trailing UTF-8 sequence. */
function incompleteUtf8(buf: Buffer): number {
  for (let k = 1; k <= Math.min(4, buf.length); k++) {
    const b = buf[buf.length - k] as number;
    if ((b & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf8 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > k ? k : 0;
  }
  return 0;
}

interface Cursor {
  stream: Stream;
  path: string;
  /** Byte offset of the first byte not yet printed. */
  offset: number;
  /** Bytes read but not printed yet (an incomplete UTF-8 sequence, a possible secret's start). */
  held: Buffer;
}

async function follow(job: JobRecord, lines: number, maxBytes: number, intervalMs: number, ctx: Pick<Context, 'actions' | 'interrupt'>): Promise<void> {
  const files = jobFiles(job.dir);
  const cursors: Cursor[] = (['stdout', 'stderr'] as const).map((stream) => ({
    stream,
    path: files[stream],
    offset: readTail(files[stream], lines, maxBytes).begin,
    held: Buffer.alloc(0),
  }));
  const jobId = job.meta.job_id;
  let open = true;
  const endLine = (current: JobRecord): Record<string, unknown> => ({ ...endFields(current), stdout_total_bytes: cursors[0]?.offset ?? 0, stderr_total_bytes: cursors[1]?.offset ?? 0, at: nowIso() });
  // Interrupted, the stream still ends with its end line: the job as it is, the bytes printed.
  ctx.interrupt?.answerWith(() => endLine(readJob(job.dir)), 'logs_end');

  /** Prints what is new in one log; `final` flushes everything held back. */
  const drain = (c: Cursor, final: boolean): void => {
    for (;;) {
      const fresh = readLogFrom(c.path, c.offset + c.held.length, READ_BYTES);
      if (fresh.length === 0 && !(final && c.held.length > 0)) return;
      const data = c.held.length > 0 ? Buffer.concat([c.held, fresh]) : fresh;
      const more = fresh.length === READ_BYTES;
      let keep = final && !more ? 0 : incompleteUtf8(data);
      let text = data.subarray(0, data.length - keep).toString('utf8');
      if (!(final && !more)) {
        const secretStart = secretPrefixLength(text);
        if (secretStart > 0) {
          const tail = text.slice(text.length - secretStart);
          keep += Buffer.byteLength(tail);
          text = text.slice(0, text.length - secretStart);
        }
      }
      if (text.length > 0) {
        // A masked value cut by the chunk's start (the first chunk starts where the tail did) is redacted whole.
        const printed = data.length - keep;
        const { before, after } = windowContext(c.path, c.offset, c.offset + printed);
        text = redactWindow(before, data.subarray(0, printed), after, final && !more);
        open = printStreamLine('logs_chunk', { job_id: jobId, stream: c.stream, offset: c.offset, text, at: nowIso() });
        c.offset += data.length - keep;
      }
      c.held = Buffer.from(data.subarray(data.length - keep));
      if (!open || !more) return;
    }
  };

  await followUntilTerminal(job, intervalMs, ctx.actions, (current, terminal) => {
    for (const c of cursors) if (open) drain(c, terminal);
    if (open && terminal) printStreamEnd('logs_end', endLine(current));
    return open;
  });
}

export const logsCommand: CommandDef = {
  command: 'logs [id]',
  describe: 'last lines of each stream; --follow streams new output (NDJSON) until the job ends',
  type: 'logs',
  options: {
    ...idOptions,
    'tail-lines': { type: 'string', alias: 'lines', describe: `lines of each stream, or events with --activity (default ${DEFAULT_LINES})` },
    'max-bytes': { type: 'string', describe: 'bytes of each stream\'s tail at most (default: the job\'s, 65536)' },
    follow: { type: 'string', describe: `stream new output as NDJSON, polling every INTERVAL (default ${DEFAULT_INTERVAL_MS}ms)` },
    activity: { type: 'boolean', describe: 'an agent job\'s parsed events instead of raw lines' },
  },
  async handler(rawArgs, ctx) {
    const args = normaliseArgs(rawArgs);
    // Every flag is checked before the job is looked up or anything is printed.
    const lines = optInt(args, 'tail-lines', 0, 1_000_000) ?? DEFAULT_LINES;
    const maxBytesFlag = optInt(args, 'max-bytes', 0, 1 << 30);
    const interval = followInterval(args, ctx.warn);
    const activity = optBool(args, 'activity');
    const job = loadJob(args, ctx);
    if (activity) return activityLogs(job, lines, interval, ctx);
    const maxBytes = maxBytesFlag ?? job.meta.max_bytes;
    if (interval === undefined) {
      const current = await reconcile(job, ctx.actions);
      return { job_id: current.meta.job_id, short_id: shortId(current.meta.job_id), state: current.state.state, ...tailFields(current, { tailLines: lines, maxBytes }) };
    }
    await follow(job, lines, maxBytes, interval, ctx);
    return STREAMED;
  },
};
