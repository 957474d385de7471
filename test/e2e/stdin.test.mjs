// Standard input of command jobs: run|create --stdin (jobctl's own stdin, read to its end, 64 MiB
// at most) and --stdin-file F. The bytes are stored 0600 in the job directory, never in argv or
// meta.json, fed exactly to the command's stdin, and fed again on restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, allCmdlines, supervisorGone } from '../helpers/jobctl.mjs';

/** Every byte value, a NUL and a line without its newline: what a text-only path would mangle. */
const BINARY = Buffer.concat([Buffer.from('first line\n\0second\0\n'), Buffer.from([...Array(256).keys()]), Buffer.from('no newline at the end')]);

test('--stdin: the job reads exactly the bytes jobctl read on its stdin (binary, NUL); stored 0600, not in argv or meta.json', async (t) => {
  const { run, root } = withRoot(t);
  const marker = `stdin-marker-${process.pid}`;
  const input = Buffer.concat([BINARY, Buffer.from(marker)]);
  const { json } = await run(['run', '--wait', '--stdin', '--', 'sh', '-c', 'cat > "$0"; echo done', join(root, '..', 'copy.bin')], { input });
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 0);
  assert.ok(readFileSync(join(root, '..', 'copy.bin')).equals(input), 'the job read other bytes than were given');
  const dir = join(root, json.job_id);
  assert.equal(statSync(join(dir, 'stdin')).mode & 0o777, 0o600);
  assert.ok(readFileSync(join(dir, 'stdin')).equals(input));
  assert.ok(!readFileSync(join(dir, 'meta.json'), 'utf8').includes(marker));
  assert.ok(!allCmdlines().some((l) => l.includes(marker)));
});

test('--stdin with nothing on jobctl\'s stdin gives the job an empty stdin; without --stdin it stays /dev/null', async (t) => {
  const { run } = withRoot(t);
  const empty = (await run(['run', '--wait', '--stdin', '--', 'sh', '-c', 'wc -c'], { input: '' })).json;
  assert.equal(empty.stdout_tail.trim(), '0');
  // Without --stdin, jobctl's own stdin is not the job's.
  const none = (await run(['run', '--wait', '--', 'sh', '-c', 'wc -c'], { input: 'not for the job' })).json;
  assert.equal(none.stdout_tail.trim(), '0');
});

test('--stdin-file copies the file when the job is defined; restart feeds the stored bytes again', async (t) => {
  const { run, root, base } = withRoot(t);
  const file = join(base, 'input.bin');
  writeFileSync(file, BINARY);
  const created = (await run(['create', '--stdin-file', file, '--', 'sh', '-c', 'od -An -c | tail -c 40'])).json;
  writeFileSync(file, 'changed after create');
  const first = (await run(['start', created.job_id, '--wait'])).json;
  assert.equal(first.exit_code, 0);
  await supervisorGone(root, created.job_id);
  const again = (await run(['restart', created.job_id, '--wait'])).json;
  assert.equal(again.stdout_tail, first.stdout_tail, 'the restarted run read other bytes');
  const sum = (await run(['run', '--wait', '--stdin-file', file, '--', 'sh', '-c', 'cat'])).json;
  assert.equal(sum.stdout_tail, 'changed after create');
});

test('bad stdin input is a usage_error naming the flag or the limit', async (t) => {
  const { run, base } = withRoot(t);
  const missing = await run(['run', '--stdin-file', join(base, 'missing'), '--', 'cat']);
  assert.equal(missing.code, 2);
  assert.equal(missing.json.error.code, 'usage_error');
  assert.match(missing.json.error.message, /--stdin-file .*missing: no such file/);
  const dir = await run(['run', '--stdin-file', base, '--', 'cat']);
  assert.match(dir.json.error.message, /not a regular file/);
  const both = await run(['run', '--stdin', '--stdin-file', join(base, 'x'), '--', 'cat'], { input: '' });
  assert.match(both.json.error.message, /not both/);
  const agent = await run(['run', '--stdin', '--prompt', 'hello'], { input: '' });
  assert.equal(agent.json.error.code, 'usage_error');
  assert.match(agent.json.error.message, /command jobs/);
  const started = (await run(['create', '--', 'cat'])).json;
  assert.equal((await run(['start', started.job_id, '--stdin'], { input: '' })).json.error.code, 'usage_error');
  // One byte over the limit: refused, naming it; nothing is created.
  const over = await run(['run', '--stdin', '--', 'cat'], { input: Buffer.alloc(64 * 1024 * 1024 + 1, 0x61) });
  assert.equal(over.code, 2);
  assert.equal(over.json.error.code, 'usage_error');
  assert.match(over.json.error.message, /64 MiB \(67108864 bytes\)/);
  assert.equal(over.json.error.details.limit_bytes, 67108864);
  assert.equal((await run(['list', '--all'])).json.jobs.length, 1, 'only the created job exists');
});
