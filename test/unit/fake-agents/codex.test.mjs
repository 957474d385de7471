// The fake codex of test/fixtures/agents, run directly: its scenarios, the invocations it refuses
// and the flags it accepts (helpers: test/helpers/fake-agent-run.mjs, fake-agent-streams.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setup, runFake, refusalTest, S, EXISTING } from '../../helpers/fake-agent-run.mjs';
import { ARGV, KNOWN, CHECK_SUCCESS, checkSuccess, assertNoise } from '../../helpers/fake-agent-streams.mjs';

// ---------------------------------------------------------------------------------------------
// Scenarios

test('codex scenarios: exec --json events and exit code', async (t) => {
  const ctx = setup(t);
  const scenario = (name) => runFake(ctx, 'codex', ARGV.codex(), { input: `scenario: ${name}\n` });

  await t.test('success', () => {
    const r = scenario('success');
    checkSuccess('codex', r, ctx);
    assert.ok(existsSync(join(ctx.home, 'sessions', 'codex', r.json[0].thread_id)));
  });
  await t.test('tool_error', () => checkSuccess('codex', scenario('tool_error'), ctx, { failFirst: true }));
  await t.test('max_turns N', () => {
    const r = scenario('max_turns 3');
    assert.equal(r.code, 0);
    const commands = r.json.filter((e) => e.type === 'item.completed' && e.item.type === 'command_execution');
    assert.deepEqual(
      commands.map((e) => [e.item.command, e.item.exit_code]),
      [1, 2, 3].map((i) => [`bash -lc 'npm test -- --grep case-${i}'`, 0]),
    );
    assert.equal(r.json.filter((e) => e.type === 'turn.started').length, 1);
    assert.equal(r.json.at(-1).type, 'turn.completed');
  });
  await t.test('rate_limit', () => {
    const r = scenario('rate_limit');
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.json.map((e) => e.type),
      ['thread.started', 'turn.started', 'error', 'turn.failed'],
    );
    assert.match(r.json[2].message, /^exceeded retry limit, last status: 429 Too Many Requests, request id: req_[0-9a-f]{16}$/);
    assert.equal(r.json[3].error.message, r.json[2].message);
  });
  await t.test('auth', () => {
    const r = scenario('auth');
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.json.map((e) => e.type),
      ['thread.started', 'turn.started', 'error', 'turn.failed'],
    );
    assert.equal(r.json[2].message, 'unexpected status 401 Unauthorized: Missing bearer or basic authentication in header');
  });
  await t.test('noise', () => {
    const r = scenario('noise');
    assert.equal(r.code, 0);
    assertNoise(r.raw);
    CHECK_SUCCESS.codex(r.json, { cwd: ctx.work });
  });
  await t.test('truncated', () => {
    const r = scenario('truncated');
    assert.equal(r.code, 0);
    assert.ok(!r.stdout.endsWith('\n'));
    assert.deepEqual(r.raw, ['{"type":"item.completed","item":{"id":"item_2","type":"agent_message","text":"Fixed the off']);
    assert.ok(!r.json.some((e) => e.type === 'turn.completed'));
  });
  await t.test('unknown_types', () => {
    const r = scenario('unknown_types');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.filter((e) => !KNOWN.codex(e)).map((e) => e.item?.type ?? e.type),
      ['session.configured', 'future_item', 'turn.progress'],
    );
    const known = r.json.filter(KNOWN.codex);
    // Item ids go on across the unknown item.
    assert.deepEqual(
      known.filter((e) => e.type === 'item.completed').map((e) => e.item.id),
      ['item_0', 'item_1', 'item_3', 'item_4', 'item_5'],
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid invocations

refusalTest('codex', [
  ['no exec', ['--json', '--skip-git-repo-check', '-'], 2, /jobctl runs 'codex exec \.\.\.', got '--json'/],
  ['no --json', ['exec', '--skip-git-repo-check', '-'], 2, /--json is required/],
  ['no -', ['exec', '--json', '--skip-git-repo-check'], 2, /the last argument must be '-'/],
  ['positional prompt', ['exec', '--json', '--skip-git-repo-check', 'fix the tests'], 2, /unexpected argument 'fix the tests': this fixture takes the prompt on stdin only/],
  ['argument after -', ['exec', '--json', '--skip-git-repo-check', '-', 'more'], 2, /unexpected argument 'more' after '-'/],
  ['--full-auto with --sandbox', ['exec', '--json', '--full-auto', '--sandbox', 'workspace-write', '--skip-git-repo-check', '-'], 2, /the argument '--full-auto' cannot be used with '--sandbox <SANDBOX_MODE>'/],
  ['--sandbox yolo', ['exec', '--json', '--sandbox', 'yolo', '--skip-git-repo-check', '-'], 2, /invalid value 'yolo' for '--sandbox <SANDBOX_MODE>'/],
  ['--model (not -m)', ['exec', '--json', '--model', 'gpt-5', '--skip-git-repo-check', '-'], 2, /unexpected argument '--model' found/],
  ['flag twice', ['exec', '--json', '--json', '--skip-git-repo-check', '-'], 2, /option '--json' given twice/],
  ['resume without id', ['exec', '--json', '--skip-git-repo-check', 'resume', '-'], 2, /'resume' needs a session id, got '-'/],
  ['option after resume', ['exec', '--json', '--skip-git-repo-check', 'resume', EXISTING, '--full-auto', '-'], 2, /options come before resume/],
  ['outside git without --skip-git-repo-check', ['exec', '--json', '-'], 1, /^Not inside a trusted directory and --skip-git-repo-check was not specified\.\n$/],
  ['resume of a missing session', ['exec', '--json', '--skip-git-repo-check', 'resume', S, '-'], 1, /no rollout found for thread id 11111111-2222-4333-8444-555555555555/],
  ['empty stdin', ['exec', '--json', '--skip-git-repo-check', '-'], 1, /^No prompt provided via stdin\.\n$/, { input: '' }],
]);

test('codex checks for a git work tree only without --skip-git-repo-check; takes -m and a sandbox', (t) => {
  const ctx = setup(t);
  const repo = join(ctx.work, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'src', 'deep'), { recursive: true });
  const inRepo = runFake(ctx, 'codex', ['exec', '--json', '-'], { cwd: join(repo, 'src', 'deep') });
  assert.equal(inRepo.code, 0, inRepo.stderr);
  assert.equal(inRepo.json.at(-1).type, 'turn.completed');
  for (const mode of [['--full-auto'], ['--sandbox', 'read-only'], ['--sandbox', 'workspace-write'], ['--sandbox', 'danger-full-access']]) {
    const r = runFake(ctx, 'codex', ['exec', '-m', 'gpt-5-codex', ...mode, '--skip-git-repo-check', '--json', '-']);
    assert.equal(r.code, 0, `${mode}: ${r.stderr}`);
  }
});
