// A call from a server never blocks past the server's bound (`jobctl mcp --max-wait`, default
// 50s, below the usual 60s client deadline; `jobctl serve --max-wait`, default 60s): a longer
// wait is clamped and its answer says so (`wait_clamped_to_ms`, with `wait_timed_out` when the
// job is still going). Pure.
import { usageError } from '../errors.js';
import { parseDuration, parseOptionalDuration } from '../util/duration.js';
import { TERMINAL_STATES } from '../job/state.js';

export const DEFAULT_MAX_WAIT_MS = 50_000;

export interface BoundedCall {
  /** The arguments to call with (a longer wait replaced by the bound). */
  args: Record<string, unknown>;
  /** The bound, when the call asked for more (or for no limit). */
  clampedTo: number | undefined;
  /** How long the call may block at most (for progress). */
  blocksFor: number;
}

/** `tool`: the command's full name. `wait`: timeout (none = forever). `run`, `restart`: wait (to the end) or snapshot_after (default 10s). */
export function boundCall(tool: string, args: Record<string, unknown>, maxWaitMs: number): BoundedCall {
  if (tool === 'wait') {
    const asked = parseOptionalDuration(args['timeout'], '--timeout');
    if (asked !== undefined && asked <= maxWaitMs) return { args, clampedTo: undefined, blocksFor: asked };
    return { args: { ...args, timeout: `${maxWaitMs}ms` }, clampedTo: maxWaitMs, blocksFor: maxWaitMs };
  }
  if (tool === 'run' || tool === 'restart') {
    const asked = args['wait'] === true ? Infinity : parseDuration(args['snapshot_after'] ?? '10s', '--snapshot-after');
    if (asked <= maxWaitMs) return { args, clampedTo: undefined, blocksFor: asked };
    const rest = Object.fromEntries(Object.entries(args).filter(([key]) => key !== 'wait'));
    return { args: { ...rest, snapshot_after: `${maxWaitMs}ms` }, clampedTo: maxWaitMs, blocksFor: maxWaitMs };
  }
  if (tool === 'kill') {
    // kill watches the job for its grace before answering; the supervisor escalates after the
    // grace even without the caller, so a longer grace is refused rather than clamped.
    const grace = parseDuration(args['grace'] ?? '5s', '--grace');
    if (grace > maxWaitMs) throw usageError(`grace ${args['grace'] === undefined ? '5s (the default)' : JSON.stringify(args['grace'])} is longer than the server's --max-wait (${maxWaitMs}ms): the call would block past it`, { argument: 'grace' });
    return { args, clampedTo: undefined, blocksFor: grace };
  }
  return { args, clampedTo: undefined, blocksFor: 0 };
}

/** The answer of a clamped call: the bound, and whether the job outlived it. */
export function clampedFields(result: Record<string, unknown>, clampedTo: number | undefined): Record<string, unknown> {
  if (clampedTo === undefined) return result;
  const outlived = typeof result['state'] === 'string' && !(TERMINAL_STATES as readonly string[]).includes(result['state']);
  return { ...result, wait_clamped_to_ms: clampedTo, ...(result['type'] === 'run' || result['type'] === 'restart' ? { wait_timed_out: outlived } : {}) };
}
