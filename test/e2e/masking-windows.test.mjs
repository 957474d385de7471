// A masked value that a returned window cuts (its start inside the value, or its end before the
// rest of it was written) is redacted whole: tail, run/start snapshots, the first chunk of
// logs --follow and tail --grep never show part of it (docs/reliability.md, "Redaction cannot
// be split by a window").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { withRoot, waitFor, testEnv, assertMatchesSchema, BIN, PROJECT } from '../helpers/jobctl.mjs';

// 20 characters: `--max-bytes 20` of "value=<secret>\n" starts one byte into it.
const SECRET = 'Zq7c-5ecret-v4lue-20';
const masked = ['--env', 'API_TOKEN', '--mask', 'API_TOKEN'];
const env = { env: { API_TOKEN: SECRET } };

/** True when `text` shows any 4 consecutive characters of the secret. */
const showsPart = (text) => [...Array(SECRET.length - 3).keys()].some((i) => text.includes(SECRET.slice(i, i + 4)));

function followLines(root, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(BIN, args, { cwd: PROJECT, env: testEnv(root), stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    child.stdout.on('data', (d) => out.push(d));
    child.on('error', reject);
    child.on('close', () => {
      const lines = Buffer.concat(out).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
      for (const line of lines) assertMatchesSchema(line.type, line);
      resolve(lines);
    });
  });
}

test('a window that starts inside a masked value shows *** for all of it (tail, snapshot, logs --follow)', async (t) => {
  const { run, root } = withRoot(t);
  const { json: snapshot } = await run(['run', '--wait', '--max-bytes', '20', ...masked, '--', 'sh', '-c', 'echo "value=$API_TOKEN"'], env);
  assert.equal(snapshot.stdout_range[0], 'value='.length + 1, 'the window starts one byte into the value');
  assert.equal(snapshot.stdout_tail, '***\n');
  const id = snapshot.job_id;
  for (const maxBytes of ['20', '5', '25']) {
    const { json } = await run(['tail', id, '--max-bytes', maxBytes]);
    assert.ok(!showsPart(json.stdout_tail), `tail --max-bytes ${maxBytes} shows part of the value: ${json.stdout_tail}`);
  }
  assert.equal((await run(['tail', id, '--max-bytes', '20'])).json.stdout_tail, '***\n');
  assert.equal((await run(['tail', id, '--max-bytes', '65536'])).json.stdout_tail, 'value=***\n', 'a whole value is redacted as before');
  const lines = await followLines(root, ['logs', id, '--follow', '20ms', '--max-bytes', '20']);
  const chunks = lines.filter((l) => l.type === 'logs_chunk' && l.stream === 'stdout');
  assert.equal(chunks[0]?.text, '***\n');
  assert.equal(lines.at(-1).type, 'logs_end');
});

test('a window that ends after the first characters of a masked value (the rest not yet written) masks them', async (t) => {
  const { run } = withRoot(t);
  // Writes the first 10 characters, then waits: a reader sees a value cut by the end of the log.
  const { json } = await run(['run', '--snapshot-after', '0', ...masked, '--', 'sh', '-c', 'printf "key=%s" "$(printf %s "$API_TOKEN" | cut -c1-10)"; sleep 300'], env);
  t.after(() => run(['kill', '--signal', 'KILL', json.job_id]));
  const tail = await waitFor(async () => {
    const out = (await run(['tail', json.job_id])).json;
    return out.stdout_total_bytes === 'key='.length + 10 ? out : undefined;
  }, { what: 'the first half of the value' });
  assert.equal(tail.stdout_tail, 'key=***');
});

test('tail --grep matches and shows redacted lines: a pattern cannot probe a masked value', async (t) => {
  const { run } = withRoot(t);
  const { json } = await run(['run', '--wait', ...masked, '--', 'sh', '-c', 'echo "one"; echo "value=$API_TOKEN"; echo "two"'], env);
  const probe = (await run(['tail', json.job_id, '--grep', SECRET.slice(0, 6)])).json;
  assert.deepEqual(probe.matches, [], 'a prefix of the value matched');
  const found = (await run(['tail', json.job_id, '--grep', 'value=', '--context', '1'])).json;
  assert.deepEqual(found.matches, [{ stream: 'stdout', offset: 4, line: 'value=***', before: ['one'], after: ['two'] }]);
  const masks = (await run(['tail', json.job_id, '--grep', '^value=\\*\\*\\*$'])).json;
  assert.equal(masks.matches.length, 1);
});
