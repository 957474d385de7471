import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, assertMatchesSchema } from '../helpers/jobctl.mjs';

const readJson = (p) => JSON.parse(readFileSync(p, 'utf8'));
const readLines = (p) => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
const completionPath = (root, id) => join(root, id, 'completion_event.json');

async function completion(root, id, sinks) {
  return waitFor(() => {
    if (!existsSync(completionPath(root, id))) return undefined;
    const c = readJson(completionPath(root, id));
    return c.delivery_results.length === sinks ? c : undefined;
  }, { what: 'completion event deliveries' });
}

test('notify-command gets the event on stdin and JOBCTL_* env; notify-file gets exactly one line', async (t) => {
  const { run, root, base } = withRoot(t);
  const captured = join(base, 'captured.json');
  const envOut = join(base, 'env.txt');
  const file = join(base, 'events.ndjson');
  const cmd = `cat > ${captured}; echo "$JOBCTL_JOB_ID $JOBCTL_EVENT_TYPE $JOBCTL_EVENT_PATH" > ${envOut}`;
  const { json } = await run(['run', '--wait', '--tag', 'ci', '--notify-command', cmd, '--notify-file', file, '--', 'sh', '-c', 'exit 3']);
  const c = await completion(root, json.job_id, 2);
  assert.ok(c.delivery_results.every((r) => r.ok), JSON.stringify(c.delivery_results));
  assertMatchesSchema('job.finished', c);
  const event = readJson(captured);
  assertMatchesSchema('job.finished', event);
  assert.equal(event.event_type, 'job.finished');
  assert.equal(event.job_id, json.job_id);
  assert.equal(event.state, 'exited');
  assert.equal(event.exit_code, 3);
  assert.deepEqual(event.tags, ['ci']);
  assert.equal(readFileSync(envOut, 'utf8'), `${json.job_id} job.finished ${completionPath(root, json.job_id)}\n`);
  const lines = readLines(file);
  assert.equal(lines.length, 1);
  assert.equal(lines[0].job_id, json.job_id);
});

test('a failing sink and a hanging sink are recorded and never change the state', async (t) => {
  const { run, root, base } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[notify]\ncommand_timeout = "500ms"\n');
  const failing = await run(['run', '--wait', '--notify-command', 'echo nope >&2; exit 4', '--', 'true'], { config });
  const f = await completion(root, failing.json.job_id, 1);
  assert.equal(f.delivery_results[0].ok, false);
  assert.match(f.delivery_results[0].error, /exit code 4: nope/);
  assert.equal(f.state, 'exited');
  assert.equal((await run(['status', failing.json.job_id])).json.state, 'exited');

  const hanging = await run(['run', '--wait', '--notify-command', 'sleep 600', '--notify-file', '/nonexistent-dir/x.ndjson', '--', 'true'], { config });
  assert.equal(hanging.json.state, 'exited', 'the terminal state is not held back by the sink');
  const h = await completion(root, hanging.json.job_id, 2);
  const byType = Object.fromEntries(h.delivery_results.map((r) => [r.sink, r]));
  assert.equal(byType.command.ok, false);
  assert.match(byType.command.error, /timed out after 500ms/);
  assert.equal(byType.file.ok, false);
  const status = await run(['status', hanging.json.job_id]);
  assert.equal(status.json.state, 'exited');
  assert.equal(status.json.exit_code, 0);
});

test('output match: contains and RE2 regex, stream filter, events recorded with deliveries', async (t) => {
  const { run, root, base } = withRoot(t);
  const out = join(base, 'matches.ndjson');
  const script = 'echo "ERROR one"; echo "fine"; echo "ERROR two" >&2; printf "ERROR no newline"';
  const contains = await run(['run', '--wait', '--output-pattern', 'ERROR', '--output-file', out, script]);
  await waitFor(() => readLines(join(root, contains.json.job_id, 'notification_events.ndjson')).length === 3, { what: '3 events' });
  const lines = readLines(out);
  assert.deepEqual(lines.map((e) => [e.stream, e.line]).sort(), [['stderr', 'ERROR two'], ['stdout', 'ERROR no newline'], ['stdout', 'ERROR one']]);
  lines.forEach((e) => assertMatchesSchema('job.output.matched', e));
  const recorded = readLines(join(root, contains.json.job_id, 'notification_events.ndjson'));
  assert.ok(recorded.every((e) => e.delivery_results.length === 1 && e.delivery_results[0].ok));

  const out2 = join(base, 'regex.ndjson');
  const regex = await run(['run', '--wait', '--output-pattern', '^E\\w+ t[a-z]o$', '--output-match-type', 'regex', '--output-stream', 'stderr', '--output-file', out2, script]);
  await waitFor(() => readLines(join(root, regex.json.job_id, 'notification_events.ndjson')).length === 1, { what: 'regex event' });
  assert.deepEqual(readLines(out2).map((e) => e.line), ['ERROR two']);
  assert.equal(readLines(out2)[0].match_type, 'regex');
});

test('output-command gets each matching line as an event on stdin', async (t) => {
  const { run, root, base } = withRoot(t);
  const seen = join(base, 'seen.txt');
  const { json } = await run(['run', '--wait', '--output-pattern', 'hit', '--output-command', `cat >> ${seen}; echo >> ${seen}`, '--', 'sh', '-c', 'echo hit-1; echo miss; echo hit-2']);
  await waitFor(() => readLines(join(root, json.job_id, 'notification_events.ndjson')).length === 2, { what: 'two output events' });
  assert.deepEqual(readLines(seen).map((e) => e.line), ['hit-1', 'hit-2']);
});

test('notify set changes sinks without firing them; a new pattern never replays earlier output', async (t) => {
  const { run, root, base } = withRoot(t);
  const gate = join(base, 'gate');
  const matches = join(base, 'late.ndjson');
  const finished = join(base, 'finished.ndjson');
  const script = `echo "MARK before"; while [ ! -e ${gate} ]; do sleep 0.05; done; echo "MARK after"`;
  const { json } = await run(['run', '--snapshot-after', '0', '--notify-command', 'exit 1', script]);
  await waitFor(async () => (await run(['tail', json.job_id])).json.stdout_tail === 'MARK before\n', { what: 'first line' });
  const set = await run(['notify', 'set', json.job_id, '--output-pattern', 'MARK', '--output-file', matches, '--file', finished]);
  assert.equal(set.json.type, 'notify_set');
  assert.equal(set.json.notification.on_output_match.pattern, 'MARK');
  assert.equal(set.json.notification.notify_command, 'exit 1', 'options not given are kept');
  assert.ok(!existsSync(matches) && !existsSync(finished), 'notify set fires nothing');
  writeFileSync(gate, '');
  await run(['wait', '--timeout', '60s', json.job_id]);
  const c = await completion(root, json.job_id, 2);
  assert.deepEqual(c.delivery_results.map((r) => r.sink).sort(), ['command', 'file']);
  await waitFor(() => readLines(matches).length >= 1, { what: 'the late match' });
  assert.deepEqual(readLines(matches).map((e) => e.line), ['MARK after']);
  assert.equal(readLines(finished).length, 1);

  const cleared = await run(['notify', 'set', json.job_id, '--clear']);
  assert.deepEqual(cleared.json.notification, {});
  const needsPattern = await run(['notify', 'set', json.job_id, '--output-command', 'true']);
  assert.equal(needsPattern.json.error.code, 'usage_error');
});
