// Builds the output-match part of a job's notification config from flags. Used by run/create
// (pattern applies from byte 0) and by notify set (pattern applies from the current log sizes).
import { usageError } from '../errors.js';
import { optString, optNonEmpty, oneOf, type Args } from './args.js';
import { sinkFilePath } from './sink-file.js';
import { compileMatcher } from '../util/line-matcher.js';
import type { MatchType, OutputMatchConfig, StreamFilter } from '../store/types.js';

const MATCH_TYPES: readonly MatchType[] = ['contains', 'regex'];
const STREAMS: readonly StreamFilter[] = ['stdout', 'stderr', 'either'];

export function buildOutputMatch(
  args: Args,
  existing: OutputMatchConfig | undefined,
  since: { stdout: number; stderr: number },
): OutputMatchConfig | undefined {
  const pattern = optString(args, 'output-pattern');
  const matchType = oneOf(args, 'output-match-type', MATCH_TYPES);
  const stream = oneOf(args, 'output-stream', STREAMS);
  const command = optNonEmpty(args, 'output-command');
  const file = sinkFilePath(optNonEmpty(args, 'output-file'), 'output-file');
  const anyGiven = [pattern, matchType, stream, command, file].some((v) => v !== undefined);
  if (!anyGiven) return existing;
  if (pattern === undefined && existing === undefined) {
    throw usageError('--output-match-type/--output-stream/--output-command/--output-file need --output-pattern', { flag: 'output-pattern' });
  }
  if (pattern === '') throw usageError('--output-pattern must not be empty', { flag: 'output-pattern' });
  const next: OutputMatchConfig = {
    pattern: pattern ?? (existing as OutputMatchConfig).pattern,
    match_type: matchType ?? existing?.match_type ?? 'contains',
    stream: stream ?? existing?.stream ?? 'either',
    since,
  };
  const cmd = command ?? existing?.command;
  const out = file ?? existing?.file;
  if (cmd !== undefined) next.command = cmd;
  if (out !== undefined) next.file = out;
  compileMatcher(next.pattern, next.match_type); // rejects what RE2 cannot run
  return next;
}
