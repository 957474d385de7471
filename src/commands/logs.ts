// `logs ID [--lines N] [--follow [INTERVAL]]`: the last lines of each stream as one object, or,
// with --follow, an NDJSON stream: the current tails, every new chunk as it is appended, and a
// final `logs_end` once the job is terminal and its logs are read to the end.
import { optInt, optString, type Args } from '../cli/args.js';
import { printStreamLine, secretPrefixLength, STREAMED } from '../output.js';
import { shortId } from '../store/ids.js';
import { jobFiles, readJob } from '../store/jobs.js';
import { readTail } from '../store/tail.js';
import { readLogFrom } from '../store/follow.js';
import { watchState } from '../store/state-watch.js';
import { reconcile } from '../store/reconcile.js';
import { isTerminal, type JobRecord } from '../store/types.js';
import { parseDuration } from '../util/duration.js';
import { nowIso } from '../util/time.js';
import { tailFields } from '../view/job-view.js';
import { loadJob, registerJobSecrets } from './load-job.js';
import { idOptions, type CommandDef } from './types.js';

const DEFAULT_LINES = 50;
const DEFAULT_INTERVAL_MS = 250;
const MIN_INTERVAL_MS = 10;
/** Bytes read from a log per chunk at most: a burst of output becomes several chunks. */
const READ_BYTES = 1024 * 1024;
const DURATION_SHAPE = /^\d{1,12}(ms|s|m|h|d)?$/;

type Stream = 'stdout' | 'stderr';

/** The follow interval, or undefined without --follow. `--follow` alone (yargs: '') = default. */
function followInterval(args: Args): number | undefined {
  const value = args['follow'];
  if (value === undefined || value === false) return undefined;
  if (value === true || value === '') return DEFAULT_INTERVAL_MS;
  return Math.max(MIN_INTERVAL_MS, parseDuration(optString(args, 'follow'), '--follow'));
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

async function follow(job: JobRecord, lines: number, maxBytes: number, intervalMs: number): Promise<void> {
  const files = jobFiles(job.dir);
  const cursors: Cursor[] = (['stdout', 'stderr'] as const).map((stream) => ({
    stream,
    path: files[stream],
    offset: readTail(files[stream], lines, maxBytes).begin,
    held: Buffer.alloc(0),
  }));
  const jobId = job.meta.job_id;
  let open = true;

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
        open = printStreamLine('logs_chunk', { job_id: jobId, stream: c.stream, offset: c.offset, text, at: nowIso() });
        c.offset += data.length - keep;
      }
      c.held = Buffer.from(data.subarray(data.length - keep));
      if (!open || !more) return;
    }
  };

  let wake: (() => void) | undefined;
  const watcher = watchState(job.dir, () => wake?.());
  try {
    for (;;) {
      // The state is read before the logs: once it is terminal, this pass reads them to the end.
      const current = await reconcile(readJob(job.dir));
      if (current.state.state !== job.state.state) registerJobSecrets(current); // masked env-file keys
      job = current;
      const terminal = isTerminal(job.state.state);
      for (const c of cursors) if (open) drain(c, terminal);
      if (!open) return;
      if (terminal) {
        const s = job.state;
        printStreamLine('logs_end', {
          job_id: jobId,
          state: s.state,
          ...(s.exit_code !== undefined ? { exit_code: s.exit_code } : {}),
          ...(s.signal !== undefined ? { signal: s.signal } : {}),
          timed_out: s.timed_out === true,
          ...(s.finished_at !== undefined ? { finished_at: s.finished_at } : {}),
          ...(s.error !== undefined ? { error: s.error } : {}),
          stdout_total_bytes: cursors[0]?.offset ?? 0,
          stderr_total_bytes: cursors[1]?.offset ?? 0,
          at: nowIso(),
        });
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => { wake = undefined; resolve(); }, intervalMs);
        wake = () => { clearTimeout(timer); wake = undefined; resolve(); };
      });
      watcher.rearm();
    }
  } finally {
    watcher.close();
  }
}

export const logsCommand: CommandDef = {
  command: 'logs [id]',
  describe: 'last lines of each stream; --follow streams new output (NDJSON) until the job ends',
  type: 'logs',
  options: {
    ...idOptions,
    lines: { type: 'string', describe: `lines of each stream (default ${DEFAULT_LINES})` },
    'max-bytes': { type: 'string', describe: 'bytes of each stream\'s tail at most (default: the job\'s, 65536)' },
    follow: { type: 'string', describe: `stream new output as NDJSON, polling every INTERVAL (default ${DEFAULT_INTERVAL_MS}ms)` },
  },
  async handler(rawArgs, ctx) {
    const args = normaliseArgs(rawArgs);
    // Every flag is checked before the job is looked up or anything is printed.
    const lines = optInt(args, 'lines', 0, 1_000_000) ?? DEFAULT_LINES;
    const maxBytesFlag = optInt(args, 'max-bytes', 0, 1 << 30);
    const interval = followInterval(args);
    const job = loadJob(args, ctx);
    const maxBytes = maxBytesFlag ?? job.meta.max_bytes;
    if (interval === undefined) {
      const current = await reconcile(job);
      return { job_id: current.meta.job_id, short_id: shortId(current.meta.job_id), state: current.state.state, ...tailFields(current, { tailLines: lines, maxBytes }) };
    }
    await follow(job, lines, maxBytes, interval);
    return STREAMED;
  },
};
