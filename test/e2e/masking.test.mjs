import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, allCmdlines } from '../helpers/jobctl.mjs';

const SECRET = 'sk-live-7f3a9c1e5b';


test('--mask values never reach argv, JSON output, events or meta.json; files are 0600, dirs 0700', async (t) => {
  const { run, root, base } = withRoot(t);
  const events = join(base, 'events.ndjson');
  const { json } = await run(
    ['run', '--snapshot-after', '0', '--env', 'API_TOKEN', '--mask', 'API_TOKEN', '--output-pattern', 'token', '--output-file', events,
      '--', 'sh', '-c', 'echo "token=$API_TOKEN"; sleep 300'],
    { env: { API_TOKEN: SECRET } },
  );
  const id = json.job_id;
  t.after(() => run(['kill', '--signal', 'KILL', id]));
  await waitFor(async () => (await run(['tail', id])).json.stdout_total_bytes > 0, { what: 'output' });
  assert.ok(!allCmdlines().some((l) => l.includes(SECRET)), 'the secret is in some process argv');

  const outputs = [json, (await run(['status', id])).json, (await run(['tail', id])).json, (await run(['list', '--all'])).json];
  for (const out of outputs) assert.ok(!JSON.stringify(out).includes(SECRET), `secret printed by ${out.type}`);
  const tail = outputs[2];
  assert.equal(tail.stdout_tail, 'token=***\n');

  await waitFor(() => { try { return readFileSync(events, 'utf8').length > 0; } catch { return false; } }, { what: 'match event' });
  assert.ok(!readFileSync(events, 'utf8').includes(SECRET), 'secret in an output event');
  assert.match(readFileSync(events, 'utf8'), /token=\*\*\*/);

  const dir = join(root, id);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(root).mode & 0o777, 0o700);
  assert.ok(!readFileSync(join(dir, 'meta.json'), 'utf8').includes(SECRET));
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) continue;
    const mode = statSync(path).mode & 0o777;
    if (readFileSync(path, 'utf8').includes(SECRET)) assert.equal(mode, 0o600, `${name} holds the secret with mode ${mode.toString(8)}`);
  }
  assert.equal(statSync(join(dir, 'secrets.json')).mode & 0o777, 0o600);
});

test('--env-file contents are read at start and never copied into meta.json', async (t) => {
  const { run, root, base } = withRoot(t);
  const envFile = join(base, 'job.env');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(envFile, 'FILE_SECRET=from-the-file-123\n');
  const created = await run(['create', '--env-file', envFile, '--', 'sh', '-c', 'echo $FILE_SECRET']);
  writeFileSync(envFile, 'FILE_SECRET=changed-before-start\n');
  const started = await run(['start', '--wait', created.json.job_id]);
  assert.equal(started.json.stdout_tail, 'changed-before-start\n');
  const meta = readFileSync(join(root, created.json.job_id, 'meta.json'), 'utf8');
  assert.ok(!meta.includes('from-the-file') && !meta.includes('changed-before-start'));
});
