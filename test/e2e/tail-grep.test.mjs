// tail --grep PATTERN [--context N]: RE2 over the lines of the last --max-bytes of each log,
// the newest --tail-lines matches kept, answered in file order (newest last), each with the
// byte offset of its line's start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { withRoot, assertMatchesSchema } from '../helpers/jobctl.mjs';

const SCRIPT = 'for i in $(seq 1 200); do echo "line $i"; [ $((i % 50)) -eq 0 ] && echo "ERROR at $i"; done; echo "ERROR on stderr" >&2; printf "ERROR without newline"';

async function finishedJob(run) {
  const { json } = await run(['run', '--wait', '--', 'sh', '-c', SCRIPT]);
  assert.equal(json.state, 'exited');
  return json;
}

test('matches carry their stream and the byte offset of their line; context lines around them', async (t) => {
  const { run } = withRoot(t);
  const job = await finishedJob(run);
  const log = readFileSync(job.stdout_log_path);
  const { json } = await run(['tail', job.job_id, '--grep', '^ERROR', '--context', '2']);
  assertMatchesSchema('tail', json);
  assert.equal(json.pattern, '^ERROR');
  assert.equal(json.stdout_tail, undefined, 'no tails with --grep');
  const out = json.matches.filter((m) => m.stream === 'stdout');
  assert.deepEqual(out.map((m) => m.line), ['ERROR at 50', 'ERROR at 100', 'ERROR at 150', 'ERROR at 200', 'ERROR without newline']);
  for (const m of out) assert.equal(log.subarray(m.offset, m.offset + m.line.length).toString(), m.line, `offset ${m.offset}`);
  assert.deepEqual(out[0].before, ['line 49', 'line 50']);
  assert.deepEqual(out[0].after, ['line 51', 'line 52']);
  assert.deepEqual(out.at(-1).after, [], 'the last line has nothing after it');
  assert.deepEqual(json.matches.filter((m) => m.stream === 'stderr').map((m) => [m.line, m.offset]), [['ERROR on stderr', 0]]);
  assert.equal(json.matches_truncated, false);
  const plain = (await run(['tail', job.job_id, '--grep', 'line 7$'])).json;
  assert.deepEqual(plain.matches, [{ stream: 'stdout', offset: log.indexOf('line 7\n'), line: 'line 7' }], 'no before/after without --context');
});

test('--max-bytes bounds the search from the end; a line cut by the window is not searched; --tail-lines keeps the newest matches', async (t) => {
  const { run } = withRoot(t);
  const job = await finishedJob(run);
  const total = readFileSync(job.stdout_log_path).length;
  const near = (await run(['tail', job.job_id, '--grep', 'ERROR', '--max-bytes', '60'])).json;
  assert.deepEqual(near.matches.filter((m) => m.stream === 'stdout').map((m) => m.line), ['ERROR at 200', 'ERROR without newline']);
  assert.equal(near.stdout_range[1], total);
  assert.ok(near.stdout_range[0] >= total - 60 && near.truncated, 'the searched range starts at a whole line inside the window');
  // "ERROR without newline" is 21 bytes: a 10-byte window holds only part of it.
  const cut = (await run(['tail', job.job_id, '--grep', 'newline', '--max-bytes', '10'])).json;
  assert.deepEqual(cut.matches, []);
  const newest = (await run(['tail', job.job_id, '--grep', '^line', '--tail-lines', '3'])).json;
  assert.deepEqual(newest.matches.map((m) => m.line), ['line 198', 'line 199', 'line 200']);
  assert.equal(newest.matches_truncated, true);
});

test('bad --grep and --context input is a usage_error', async (t) => {
  const { run } = withRoot(t);
  const job = await finishedJob(run);
  for (const [args, message] of [
    [['--grep', '(unclosed'], /--grep: invalid regex/],
    [['--grep', '(?=lookahead)'], /--grep: invalid regex/],
    [['--grep', ''], /must not be empty/],
    [['--context', '2'], /--context applies to --grep/],
    [['--grep', 'x', '--context', '-1'], /--context/],
    [['--grep', 'x', '--context', 'many'], /--context must be an integer/],
  ]) {
    const { json, code } = await run(['tail', job.job_id, ...args]);
    assert.equal(code, 2, JSON.stringify(args));
    assert.equal(json.error.code, 'usage_error', JSON.stringify(args));
    assert.match(json.error.message, message);
  }
});
