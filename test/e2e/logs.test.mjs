import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, assertMatchesSchema, testEnv, BIN, PROJECT } from '../helpers/jobctl.mjs';

/** Spawns `jobctl logs ... --follow` and parses every NDJSON line of its stdout. */
function follow(root, args, env = {}, onStdout = () => undefined) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd: PROJECT, env: { ...testEnv(root), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    let stderr = '';
    child.stdout.on('data', (d) => {
      out.push(d);
      onStdout(Buffer.concat(out).toString('utf8'));
    });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString('utf8');
      assert.ok(stdout.endsWith('\n'), `stdout must end with a newline: ${stdout.slice(-200)}\n${stderr}`);
      const lines = stdout.slice(0, -1).split('\n').map((l) => JSON.parse(l));
      for (const line of lines) assertMatchesSchema(line.type, line);
      resolve({ code, lines, stdout, stderr });
    });
  });
}

/** The concatenated text of one stream; checks offsets are contiguous (unless redacted: `***`). */
function streamText(lines, stream, { contiguous = true } = {}) {
  const chunks = lines.filter((l) => l.type === 'logs_chunk' && l.stream === stream);
  let offset = chunks[0]?.offset ?? 0;
  for (const c of contiguous ? chunks : []) {
    assert.equal(c.offset, offset, `contiguous ${stream} offsets`);
    offset += Buffer.byteLength(c.text);
  }
  return chunks.map((c) => c.text).join('');
}

test('logs --lines returns the last N lines of each stream', async (t) => {
  const { run } = withRoot(t);
  const { json: job } = await run(['run', '--wait', '--', 'sh', '-c', 'for i in 1 2 3 4 5; do echo "line $i"; done; echo oops >&2']);
  const { json } = await run(['logs', job.job_id, '--lines', '2']);
  assert.equal(json.type, 'logs');
  assert.equal(json.job_id, job.job_id);
  assert.equal(json.state, 'exited');
  assert.equal(json.stdout_tail, 'line 4\nline 5\n');
  assert.equal(json.stderr_tail, 'oops\n');
  assert.deepEqual(json.stdout_range, [21, 35]);
  assert.equal(json.stdout_total_bytes, 35);
  assert.equal(json.truncated, true);
  assert.equal(json.encoding, 'utf-8');
  const all = await run(['logs', job.job_id]);
  assert.equal(all.json.stdout_tail, 'line 1\nline 2\nline 3\nline 4\nline 5\n');
  assert.equal(all.json.truncated, false);
});

test('logs --follow streams every chunk exactly, never splits a UTF-8 sequence, ends with logs_end', async (t) => {
  const { run, root, base } = withRoot(t);
  // Line i waits for gate i, made once the follower has printed line i: at least three chunks.
  const gates = join(base, 'gates');
  mkdirSync(gates);
  const script = `for i in 1 2 3; do echo "line $i"; while [ ! -e '${gates}'/$i ]; do sleep 0.02; done; done; printf '\\303'; sleep 0.1; printf '\\251\\n'; echo done >&2; exit 3`;
  const { json: job } = await run(['run', '--snapshot-after', '0', '--', 'sh', '-c', script]);
  // The follower prints NDJSON: a chunk's newline is a backslash and an n there.
  const openGates = (text) => {
    for (const i of [1, 2, 3]) if (text.includes(`line ${i}\\n`) && !existsSync(join(gates, String(i)))) writeFileSync(join(gates, String(i)), '');
  };
  const { code, lines } = await follow(root, ['logs', job.job_id, '--follow', '20ms'], {}, openGates);
  assert.equal(code, 0);
  const end = lines.at(-1);
  assert.equal(end.type, 'logs_end');
  assert.equal(end.state, 'exited');
  assert.equal(end.exit_code, 3);
  assert.equal(end.timed_out, false);
  assert.equal(lines.filter((l) => l.type === 'logs_end').length, 1);
  const dir = join(root, job.job_id);
  const stdout = streamText(lines, 'stdout');
  assert.equal(stdout, readFileSync(join(dir, 'stdout.log'), 'utf8'));
  assert.ok(stdout.includes('é'));
  assert.ok(!stdout.includes('\ufffd'), 'no replacement character: the sequence was held back');
  assert.equal(streamText(lines, 'stderr'), 'done\n');
  assert.ok(lines.filter((l) => l.stream === 'stdout').length > 2, 'output arrived in several chunks');
  assert.equal(end.stdout_total_bytes, Buffer.byteLength(stdout));
});

test('logs --follow of a finished job prints the tails and logs_end at once', async (t) => {
  const { run, root } = withRoot(t);
  const { json: job } = await run(['run', '--wait', '--', 'sh', '-c', 'echo a; echo b; echo c >&2']);
  const startedAt = Date.now();
  const { code, lines } = await follow(root, ['logs', '--follow', job.job_id, '--lines', '1']);
  assert.equal(code, 0);
  assert.ok(Date.now() - startedAt < 5000);
  assert.deepEqual(lines.map((l) => [l.type, l.stream, l.offset, l.text]), [
    ['logs_chunk', 'stdout', 2, 'b\n'],
    ['logs_chunk', 'stderr', 0, 'c\n'],
    ['logs_end', undefined, undefined, undefined],
  ]);
  assert.equal(lines[2].exit_code, 0);
});

test('logs --follow of a created job waits until it starts', async (t) => {
  const { run, root } = withRoot(t);
  const { json: job } = await run(['create', '--', 'sh', '-c', 'echo started']);
  const following = follow(root, ['logs', job.job_id, '--follow']);
  await new Promise((r) => setTimeout(r, 300));
  await run(['start', job.job_id, '--snapshot-after', '0']);
  const { lines } = await following;
  assert.equal(streamText(lines, 'stdout'), 'started\n');
  assert.equal(lines.at(-1).type, 'logs_end');
});

test('a masked secret is redacted in followed chunks, even when split across writes', async (t) => {
  const { run, root } = withRoot(t);
  const secret = 'hunter2-s3cr3t-value';
  const env = { API_TOKEN: secret };
  const script = `echo "a $API_TOKEN b"; printf '%s' "$API_TOKEN" | head -c 7; sleep 0.3; printf '%s\\n' "$API_TOKEN" | tail -c +8; sleep 0.1`;
  const { json: job } = await run(['run', '--snapshot-after', '0', '--env', 'API_TOKEN', '--mask', 'API_TOKEN', '--', 'sh', '-c', script], { env });
  const { lines, stdout } = await follow(root, ['logs', job.job_id, '--follow', '20ms']);
  assert.ok(!stdout.includes(secret), stdout);
  assert.ok(!stdout.includes('hunter2'), 'no part of the secret leaks from a split write');
  const chunks = lines.filter((l) => l.type === 'logs_chunk' && l.stream === 'stdout');
  assert.ok(chunks.every((c, i) => i === 0 || c.offset > chunks[i - 1].offset), 'offsets are log offsets, increasing');
  assert.equal(streamText(lines, 'stdout', { contiguous: false }).replaceAll('***', secret), readFileSync(join(root, job.job_id, 'stdout.log'), 'utf8'));
  assert.equal(lines.at(-1).type, 'logs_end');
});

test('logs errors before streaming are a single JSON error', async (t) => {
  const { run } = withRoot(t);
  const { json: job } = await run(['run', '--wait', '--', 'true']);
  const bad = await run(['logs', job.job_id, '--follow', 'soon']);
  assert.equal(bad.json.error.code, 'invalid_duration');
  assert.equal(bad.code, 2);
  const missing = await run(['logs', 'zzzzzzzzzzzzzzzz', '--follow', '100ms']);
  assert.equal(missing.json.error.code, 'job_not_found');
  const lines = await run(['logs', job.job_id, '--lines', 'x']);
  assert.equal(lines.json.error.code, 'usage_error');
});
