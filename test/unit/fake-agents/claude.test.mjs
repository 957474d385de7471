// The fake claude of test/fixtures/agents, run directly: its scenarios, the invocations it refuses
// and the flags it accepts (helpers: test/helpers/fake-agent-run.mjs, fake-agent-streams.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { setup, runFake, refusalTest, S, EXISTING } from '../../helpers/fake-agent-run.mjs';
import { FINAL, ARGV, KNOWN, CHECK_SUCCESS, checkSuccess, assertNoise } from '../../helpers/fake-agent-streams.mjs';

// ---------------------------------------------------------------------------------------------
// Scenarios

test('claude scenarios: stream-json lines, result and exit code', async (t) => {
  const ctx = setup(t);
  const scenario = (name, extra = {}) => {
    const session = randomUUID();
    const r = runFake(ctx, 'claude', ARGV.claude({ session, ...extra }), { input: `scenario: ${name}\nFix add().\n` });
    return { r, session };
  };

  await t.test('success', () => {
    const { r, session } = scenario('success');
    checkSuccess('claude', r, ctx, { session });
    assert.equal(
      readFileSync(join(ctx.home, 'sessions', 'claude', session), 'utf8').split('\n').length,
      2,
      'the session file records one run',
    );
  });
  await t.test('tool_error', () => {
    const { r, session } = scenario('tool_error');
    checkSuccess('claude', r, ctx, { session, failFirst: true });
    const failed = r.json.find((e) => e.type === 'user').message.content[0];
    assert.equal(failed.content, 'Error: Exit code 1\n1 failing\n  add() returns 3 for 1+1');
  });
  await t.test('max_turns stops at --max-turns with error_max_turns', () => {
    const { r, session } = scenario('max_turns', { maxTurns: 2 });
    assert.equal(r.code, 1);
    const uses = r.json.filter((e) => e.type === 'assistant').flatMap((e) => e.message.content);
    assert.deepEqual(
      uses.map((b) => b.input.command),
      ['npm test -- --grep case-1', 'npm test -- --grep case-2'],
    );
    const result = r.json.at(-1);
    assert.deepEqual(
      [result.type, result.subtype, result.is_error, result.num_turns, result.session_id, result.stop_reason],
      ['result', 'error_max_turns', true, 2, session, null],
    );
    assert.equal(result.result, undefined);
    assert.deepEqual(result.errors, []);
  });
  await t.test('max_turns N below --max-turns ends in success', () => {
    const { r } = scenario('max_turns 4', { maxTurns: 5 });
    assert.equal(r.code, 0, r.stderr);
    const result = r.json.at(-1);
    assert.deepEqual([result.subtype, result.is_error, result.num_turns, result.result], ['success', false, 5, FINAL]);
  });
  await t.test('success is cut by a --max-turns below its three turns', () => {
    const { r } = scenario('success', { maxTurns: 2 });
    assert.equal(r.code, 1);
    assert.deepEqual(
      [r.json.at(-1).subtype, r.json.at(-1).num_turns],
      ['error_max_turns', 2],
    );
  });
  await t.test('rate_limit', () => {
    const { r, session } = scenario('rate_limit');
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.json.map((e) => e.type),
      ['system', 'rate_limit_event', 'assistant', 'result'],
    );
    const info = r.json[1].rate_limit_info;
    assert.deepEqual([info.status, info.rateLimitType], ['rejected', 'five_hour']);
    assert.ok(info.resetsAt > Date.now() / 1000);
    assert.equal(r.json[2].message.model, '<synthetic>');
    const result = r.json[3];
    assert.deepEqual(
      [result.subtype, result.is_error, result.result, result.total_cost_usd, result.num_turns, result.session_id],
      ['success', true, "You've hit your limit · resets 6pm", 0, 1, session],
    );
  });
  await t.test('auth', () => {
    const { r } = scenario('auth');
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.json.map((e) => e.type),
      ['system', 'assistant', 'result'],
    );
    assert.equal(r.json[1].error, 'authentication_failed');
    assert.deepEqual([r.json[2].is_error, r.json[2].result], [true, 'Invalid API key · Please run /login']);
  });
  await t.test('noise', () => {
    const { r, session } = scenario('noise');
    assert.equal(r.code, 0);
    assertNoise(r.raw);
    CHECK_SUCCESS.claude(r.json, { session, cwd: ctx.work });
    assert.ok(r.stdout.includes('\n\n'), 'a blank line too');
  });
  await t.test('truncated', () => {
    const { r } = scenario('truncated');
    assert.equal(r.code, 0);
    assert.ok(!r.stdout.endsWith('\n'));
    assert.deepEqual(
      r.json.map((e) => e.type),
      ['system', 'assistant', 'assistant', 'user'],
    );
    assert.equal(r.raw.length, 1);
    assert.match(r.raw[0], /^\{"type":"assistant","message":\{"id":"msg_01[0-9a-f]{22}",.*"text":"Now I will$/);
  });
  await t.test('unknown_types', () => {
    const { r, session } = scenario('unknown_types');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.filter((e) => !KNOWN.claude(e)).map((e) => `${e.type}/${e.subtype ?? ''}`),
      ['telemetry/', 'system/hook_response', 'future_event/'],
    );
    CHECK_SUCCESS.claude(r.json.filter(KNOWN.claude), { session, cwd: ctx.work });
  });
  await t.test('slow finishes as success after its sleep', () => {
    const started = Date.now();
    const { r, session } = scenario('slow 0.6');
    assert.ok(Date.now() - started >= 600);
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.map((e) => e.type),
      ['system', 'assistant', 'assistant', 'user', 'assistant', 'result'],
    );
    assert.deepEqual([r.json.at(-1).subtype, r.json.at(-1).num_turns, r.json.at(-1).session_id], ['success', 2, session]);
  });
});

// ---------------------------------------------------------------------------------------------
// Invalid invocations

const CLAUDE = ['-p', '--output-format', 'stream-json', '--verbose', '--session-id', S];

refusalTest('claude', [
  ['no -p', ['--output-format', 'stream-json', '--verbose', '--session-id', S], 2, /-p\/--print is required/],
  ['stream-json without --verbose', ['-p', '--output-format', 'stream-json', '--session-id', S], 1, /^Error: When using --print, --output-format=stream-json requires --verbose\n$/],
  ['--output-format json', ['-p', '--output-format', 'json', '--verbose', '--session-id', S], 2, /jobctl reads --output-format stream-json/],
  ['--output-format xml', ['-p', '--output-format', 'xml', '--verbose', '--session-id', S], 2, /argument 'xml' is invalid\. Allowed choices are text, json, stream-json/],
  ['no --output-format', ['-p', '--verbose', '--session-id', S], 2, /--output-format stream-json is required/],
  ['--max-turns 0', [...CLAUDE, '--max-turns', '0'], 2, /--max-turns must be a positive integer, got '0'/],
  ['--max-turns ten', [...CLAUDE, '--max-turns', 'ten'], 2, /--max-turns must be a positive integer, got 'ten'/],
  ['--max-turns -1', [...CLAUDE, '--max-turns', '-1'], 2, /option '--max-turns' needs a value, got '-1'/],
  ['--permission-mode yolo', [...CLAUDE, '--permission-mode', 'yolo'], 2, /argument 'yolo' is invalid\. Allowed choices are acceptEdits, bypassPermissions, default, dontAsk, plan\./],
  ['--session-id not a UUID', ['-p', '--output-format', 'stream-json', '--verbose', '--session-id', 'not-a-uuid'], 2, /Invalid session ID\. Must be a valid UUID/],
  ['--session-id with --resume', [...CLAUDE, '--resume', EXISTING], 2, /--session-id can only be used with --continue or --resume if --fork-session/],
  ['no session flag', ['-p', '--output-format', 'stream-json', '--verbose'], 2, /one of --session-id UUID or --resume ID is required/],
  ['positional prompt', [...CLAUDE, 'fix the tests'], 2, /unexpected argument 'fix the tests': this fixture takes the prompt on stdin only/],
  ['unknown flag', [...CLAUDE, '--dangerously-skip-permissions'], 2, /unknown option '--dangerously-skip-permissions'/],
  ['=-joined flag', ['-p', '--output-format=stream-json', '--verbose', '--session-id', S], 2, /unknown option '--output-format=stream-json'/],
  ['flag without value', [...CLAUDE, '--model'], 2, /option '--model' needs a value/],
  ['flag twice', [...CLAUDE, '--model', 'a', '--model', 'b'], 2, /option '--model' given twice/],
  ['-p twice', ['-p', ...CLAUDE], 2, /option '-p' given twice/],
  ['bypassPermissions as root', [...CLAUDE, '--permission-mode', 'bypassPermissions'], 1, /^--dangerously-skip-permissions cannot be used with root\/sudo privileges for security reasons\n$/, { env: { FAKE_AGENT_UID: '0' } }],
  ['inside Claude Code', CLAUDE, 1, /^Error: Claude Code cannot be launched inside another Claude Code session\.\n/, { env: { CLAUDECODE: '1' } }],
  ['inside Claude Code, empty CLAUDECODE', CLAUDE, 1, /cannot be launched inside another Claude Code session/, { env: { CLAUDECODE: '' } }],
  ['--session-id of an existing session', ['-p', '--output-format', 'stream-json', '--verbose', '--session-id', EXISTING], 1, /^Error: Session ID 99999999-8888-4777-8666-555555555555 is already in use\.\n$/],
  ['--resume of a missing session', ['-p', '--output-format', 'stream-json', '--verbose', '--resume', S], 1, /^No conversation found with session ID: 11111111-2222-4333-8444-555555555555\n$/],
  ['--resume of a path', ['-p', '--output-format', 'stream-json', '--verbose', '--resume', '../x'], 2, /--resume: not a session id: '\.\.\/x'/],
  ['empty stdin', CLAUDE, 1, /^Error: Input must be provided either through stdin or as a prompt argument when using --print\n$/, { input: '' }],
  ['unknown scenario', CLAUDE, 2, /unknown scenario 'explode'/, { input: 'scenario: explode\n' }],
  ['max_turns with a bad count', CLAUDE, 2, /scenario max_turns takes a positive number of turns, got 'x'/, { input: 'scenario: max_turns x\n' }],
  ['slow without seconds', CLAUDE, 2, /scenario slow needs SECONDS/, { input: 'scenario: slow\n' }],
  ['success with an argument', CLAUDE, 2, /scenario success takes no argument/, { input: 'scenario: success 3\n' }],
]);

test('claude accepts flags in any order, --print, and bypassPermissions as root in a sandbox', (t) => {
  const ctx = setup(t);
  const session = randomUUID();
  const args = ['--session-id', session, '--verbose', '--model', 'claude-opus-4-1', '--output-format', 'stream-json', '--permission-mode', 'plan', '--max-turns', '5', '--print'];
  const r = runFake(ctx, 'claude', args);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([r.json[0].model, r.json[0].permissionMode, r.json[0].session_id], ['claude-opus-4-1', 'plan', session]);
  assert.ok(r.json.at(-1).modelUsage['claude-opus-4-1']);

  const bypass = () => [...ARGV.claude(), '--permission-mode', 'bypassPermissions'];
  const sandboxed = runFake(ctx, 'claude', bypass(), { env: { FAKE_AGENT_UID: '0', IS_SANDBOX: '1' } });
  assert.equal(sandboxed.code, 0, sandboxed.stderr);
  assert.equal(sandboxed.json[0].permissionMode, 'bypassPermissions');
  assert.equal(runFake(ctx, 'claude', bypass(), { env: { FAKE_AGENT_UID: '1000' } }).code, 0);
  assert.equal(runFake(ctx, 'claude', [...ARGV.claude(), '--permission-mode', 'acceptEdits'], { env: { FAKE_AGENT_UID: '0' } }).code, 0);
  assert.equal(runFake(ctx, 'claude', bypass(), { env: { FAKE_AGENT_UID: '0', IS_SANDBOX: 'yes' } }).code, 1);
  if (process.getuid() === 0) {
    // The real uid, read from /proc.
    const asRoot = runFake(ctx, 'claude', bypass(), { env: { FAKE_AGENT_UID: undefined } });
    assert.equal(asRoot.code, 1);
    assert.match(asRoot.stderr, /cannot be used with root\/sudo privileges/);
  }
});
