// What a new user hits first: errors that name the mistyped word and the nearest real one,
// --version, help examples, one name per concept (aliases give the same answer), completion of
// job ids, `schema TYPE`, and agent snapshots that lead with the agent summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, jobctl, supervisorGone, PROJECT } from '../helpers/jobctl.mjs';

const usage = async (run, args, word, suggestion, message) => {
  const { json, code } = await run(args);
  assert.equal(code, 2, JSON.stringify(json));
  assert.equal(json.error.code, 'usage_error');
  assert.equal(json.error.message, message);
  assert.equal(json.error.details.word, word);
  assert.equal(json.error.details.suggestion, suggestion);
  assert.doesNotMatch(json.error.message, /[a-z][A-Z]/, 'never yargs\' camelCase');
};

test('unknown commands, flags and arguments name the word and the nearest real one', async (t) => {
  const { run } = withRoot(t);
  await usage(run, ['staus'], 'staus', 'status', "unknown command 'staus'; did you mean 'status'?");
  await usage(run, ['run', '--timout', '5s', 'true'], 'timout', 'timeout', 'unknown flag --timout for run; did you mean --timeout?');
  await usage(run, ['tag', 'sett', 'x'], 'tag sett', 'tag set', "unknown command 'tag sett'; did you mean 'tag set'?");
  await usage(run, ['logs', '--tail-line', '3', 'x'], 'tail-line', 'tail-lines', 'unknown flag --tail-line for logs; did you mean --tail-lines?');
  await usage(run, ['--versoin'], 'versoin', 'version', 'unknown flag --versoin; did you mean --version?');
  await usage(run, ['frobnicate'], 'frobnicate', undefined, "unknown command 'frobnicate' (see jobctl --help)");
  await usage(run, ['status', '--bogus', 'x'], 'bogus', undefined, 'unknown flag --bogus for status (see jobctl status --help)');
  await usage(run, ['status', 'a', 'b'], 'b', undefined, "unexpected argument 'b' for status (it takes [id])");
});

test('--version and -V answer like version; --help shows examples', async (t) => {
  const { run } = withRoot(t);
  const version = (await run(['version'])).json;
  assert.deepEqual((await run(['--version'])).json, version);
  assert.deepEqual((await run(['-V'])).json, version);
  for (const args of [['--help'], ['run', '--help'], ['wait', '--help'], ['tag', 'set', '--help']]) {
    const { stdout, code } = await run(args, { raw: true });
    assert.equal(code, 0);
    assert.match(stdout, /\nExamples:\n {2}jobctl /, `${args.join(' ')}: ${stdout.slice(-300)}`);
  }
});

test('one name per concept: --lines and --tail-lines give the same answer everywhere', async (t) => {
  const { run } = withRoot(t);
  const job = (await run(['run', '--wait', '--', 'sh', '-c', 'seq 1 9; seq 11 19 >&2'])).json;
  assert.equal(job.state, 'exited');
  for (const cmd of ['tail', 'logs', 'wait']) {
    const a = (await run([cmd, job.job_id, '--lines', '3'])).json;
    const b = (await run([cmd, job.job_id, '--tail-lines', '3'])).json;
    assert.equal(a.stdout_tail, '7\n8\n9\n', `${cmd} --lines`);
    assert.equal(a.stderr_tail, '17\n18\n19\n', `${cmd} --lines`);
    delete a.waited_ms; delete b.waited_ms;
    assert.deepEqual(a, b, cmd);
  }
  const viaRun = (await run(['run', '--wait', '--lines', '1', '--', 'seq', '1', '3'])).json;
  assert.equal(viaRun.stdout_tail, '3\n');
  const both = await run(['tail', job.job_id, '--lines', '1', '--tail-lines', '2']);
  assert.equal(both.json.error.code, 'usage_error', 'one concept given twice is refused');
});

test('completion offers the short ids of created jobs for commands taking an id, and their names after --name', async (t) => {
  const { run, root } = withRoot(t);
  const a = (await run(['create', '--name', 'nightly', '--', 'true'])).json;
  const b = (await run(['create', '--', 'true'])).json;
  const complete = async (words, env = {}) => {
    const { stdout, code } = await run(['--root', root, '--get-yargs-completions', ...words], { raw: true, env });
    assert.equal(code, 0);
    return stdout.split('\n').filter(Boolean);
  };
  for (const words of [['status', ''], ['jobctl', 'status', ''], ['tag', 'set', ''], ['wait', '']]) {
    const got = await complete(words);
    assert.ok(got.includes(a.short_id) && got.includes(b.short_id), `${words.join(' ')}: ${got}`);
  }
  const prefix = await complete(['status', a.short_id.slice(0, 3)]);
  assert.ok(prefix.includes(a.short_id), 'the typed prefix keeps its job');
  assert.ok(!(await complete(['list', ''])).some((w) => w === a.short_id), 'list takes no id');
  assert.deepEqual(await complete(['status', '--name', 'ni']), ['nightly'], 'after --name: the jobs\' names');
  assert.deepEqual(await complete(['list', '--name', '']), ['nightly']);
  const script = await run(['completion'], { raw: true });
  assert.match(script.stdout, /--get-yargs-completions/);
});

test('schema TYPE returns only that type\'s schema; an unknown type names the known ones', async (t) => {
  const { run } = withRoot(t);
  const all = (await run(['schema'])).json.schema;
  for (const type of ['run', 'status', 'job.finished']) {
    const { json } = await run(['schema', type]);
    assert.equal(json.schema_type, type);
    const expected = all.outputs[type] ?? all.events[type];
    assert.deepEqual({ ...json.schema, $schema: undefined }, { ...expected, $schema: undefined });
  }
  const bad = await run(['schema', 'stauts']);
  assert.equal(bad.code, 2);
  assert.equal(bad.json.error.code, 'usage_error');
  assert.equal(bad.json.error.details.suggestion, 'status');
  assert.match(bad.json.error.message, /^unknown schema type 'stauts'; did you mean 'status'\? known types: .*\brun\b.*\bstatus\b/);
  assert.ok(bad.json.error.details.known.includes('wait'));
});

/** A root whose config points the local executor at the fake agents. */
function agentRoot(t) {
  const ctx = withRoot(t);
  const home = join(ctx.base, 'agent-home');
  mkdirSync(home);
  const config = join(ctx.base, 'config.toml');
  writeFileSync(config, `[executors.local]\nclaude_path = "${join(PROJECT, 'test', 'fixtures', 'agents', 'claude')}"\n`);
  const env = { FAKE_AGENT_HOME: home, FAKE_AGENT_DELAY: '0', FAKE_AGENT_UID: '1000' };
  return { ...ctx, run: (args) => jobctl(args, { root: ctx.root, config, env }) };
}

test('an agent job\'s snapshot leads with agent and keeps its stream-JSON out of stdout_tail unless --raw', async (t) => {
  const { run, root } = agentRoot(t);
  const { json } = await run(['run', '--wait', '--prompt', 'scenario: noise']);
  assert.equal(json.state, 'exited', JSON.stringify(json));
  await supervisorGone(root, json.job_id);
  assert.deepEqual(Object.keys(json).slice(3, 8), ['job_id', 'short_id', 'state', 'agent', 'tags']);
  assert.equal(json.agent.outcome, 'success');
  const lines = json.stdout_tail.split('\n').filter(Boolean);
  assert.ok(lines.length >= 1 && lines.every((l) => !l.trimStart().startsWith('{')), json.stdout_tail);
  assert.ok(json.stdout_tail_omitted.lines >= 1);
  assert.match(json.stdout_tail_omitted.hint, /--raw/);
  const raw = (await run(['wait', json.job_id, '--raw'])).json;
  assert.match(raw.stdout_tail, /^\{"type":/m, 'with --raw the stream is there');
  assert.equal(raw.stdout_tail_omitted, undefined);
  const waited = (await run(['wait', json.job_id])).json;
  assert.equal(waited.stdout_tail, json.stdout_tail);
  for (const key of ['stdout_range', 'stdout_total_bytes', 'truncated']) assert.deepEqual(waited[key], raw[key], `${key} describes the raw window`);
  assert.equal(raw.stdout_tail.split('\n').filter(Boolean).length, lines.length + json.stdout_tail_omitted.lines, 'kept + omitted = the raw window');
  const tail = (await run(['tail', json.job_id])).json;
  assert.equal(tail.stdout_tail, raw.stdout_tail, 'tail shows the log as it is');
  const shell = (await run(['run', '--wait', '--', 'echo', '{"a":1}'])).json;
  assert.equal(shell.stdout_tail, '{"a":1}\n', 'a shell job is unchanged');
  assert.deepEqual(Object.keys(shell).slice(5, 7), ['state', 'tags']);
});
