// The fake agent CLIs of test/fixtures/agents, run directly: the argv each accepts and refuses,
// the JSONL of every scenario, signals, recording and concurrent runs of one session. Some runs go
// through busybox sh with a PATH of busybox applets only, as inside a busybox container.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { testDir } from '../helpers/jobctl.mjs';
import { FAKE_AGENTS_DIR, BUSYBOX, fakeAgentEnv, busyboxBin } from '../helpers/fake-agents.mjs';

const AGENTS = ['claude', 'codex', 'gemini', 'opencode'];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const ISO_RE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const FINAL = 'Fixed the off-by-one in add(); tests pass.';
const NOISE = [
  'Loading…',
  /^\(node:\d+\) Warning: the punycode module is deprecated\. Please use a userland alternative instead\.$/,
  'Update available: 2.1.64 (run the installer to update)',
  '  ⠋ Thinking...',
];

// ---------------------------------------------------------------------------------------------
// Running the fakes

function setup(t) {
  const dir = testDir(t, 'fake-agents-');
  const home = join(dir, 'home');
  const work = join(dir, 'work');
  mkdirSync(work);
  return { dir, home, work };
}

function parseStream(stdout) {
  const json = [];
  const raw = [];
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    try {
      json.push(JSON.parse(line));
    } catch {
      raw.push(line);
    }
  }
  return { json, raw };
}

function command(agent, args, shell) {
  const file = join(FAKE_AGENTS_DIR, agent);
  return shell ? [BUSYBOX, ['sh', file, ...args]] : [file, args];
}

function environment(ctx, { env = {}, path, log, delay } = {}) {
  const e = fakeAgentEnv({ home: ctx.home, log, delay, extra: env });
  if (path !== undefined) e.PATH = path;
  return e;
}

/** Runs a fake to its end: { code, signal, stdout, stderr, json, raw, pid }. */
function runFake(ctx, agent, args, opts = {}) {
  const { input = 'scenario: success\n', cwd = ctx.work, busybox = false } = opts;
  const [cmd, argv] = command(agent, args, busybox);
  const r = spawnSync(cmd, argv, { input, env: environment(ctx, opts), cwd, encoding: 'utf8', timeout: 30_000 });
  // A fake that refuses its argv exits without reading stdin: writing the prompt may hit EPIPE.
  if (r.error?.code !== 'EPIPE') assert.equal(r.error, undefined, String(r.error));
  assert.equal(r.signal, null);
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr, pid: r.pid, ...parseStream(r.stdout) };
}

/** Starts a fake in the background; `exited` resolves to { code, signal, ms } (ms since `since()`). */
function startFake(ctx, agent, args, opts = {}) {
  const { input = 'scenario: success\n', busybox = false } = opts;
  const [cmd, argv] = command(agent, args, busybox);
  const child = spawn(cmd, argv, { env: environment(ctx, opts), cwd: ctx.work, stdio: 'pipe' });
  child.stdin.end(input);
  const run = { child, stdout: '', stderr: '', mark: 0 };
  child.stdout.setEncoding('utf8').on('data', (d) => (run.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d) => (run.stderr += d));
  run.exited = new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, ms: Date.now() - run.mark })),
  );
  return run;
}

async function until(what, predicate, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Live processes whose parent is `pid`: [{ pid, comm, state }]. */
function childrenOf(pid) {
  const out = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) === pid) out.push({ pid: Number(name), comm, state });
  }
  return out;
}

function processGone(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

// ---------------------------------------------------------------------------------------------
// Argv jobctl builds, and what each agent's stream looks like

const ARGV = {
  claude: (o = {}) => [
    '-p',
    '--output-format',
    'stream-json',
    '--verbose',
    ...(o.maxTurns !== undefined ? ['--max-turns', String(o.maxTurns)] : []),
    ...(o.resume !== undefined ? ['--resume', o.resume] : ['--session-id', o.session ?? randomUUID()]),
  ],
  codex: (o = {}) => ['exec', '--json', '--skip-git-repo-check', ...(o.resume !== undefined ? ['resume', o.resume] : []), '-'],
  gemini: (o = {}) => ['-o', 'stream-json', ...(o.resume !== undefined ? ['-r', o.resume] : [])],
  opencode: (o = {}) => ['run', '--format', 'json', ...(o.resume !== undefined ? ['-s', o.resume] : [])],
};

/** Lines of the types each parser knows (the rest must be ignored). */
const KNOWN = {
  claude: (e) => ['assistant', 'user', 'result'].includes(e.type) || (e.type === 'system' && e.subtype === 'init'),
  codex: (e) =>
    ['thread.started', 'turn.started', 'turn.completed', 'turn.failed', 'error'].includes(e.type) ||
    (e.type.startsWith('item.') && ['reasoning', 'command_execution', 'file_change', 'agent_message'].includes(e.item.type)),
  gemini: (e) => ['init', 'message', 'tool_use', 'tool_result', 'error', 'result'].includes(e.type),
  opencode: (e) => ['step_start', 'text', 'tool_use', 'step_finish', 'error', 'done'].includes(e.type),
};

/** The session id a run reports. */
const SESSION_OF = {
  claude: (json) => json.find((e) => e.type === 'system' && e.subtype === 'init').session_id,
  codex: (json) => json.find((e) => e.type === 'thread.started').thread_id,
  gemini: (json) => json.find((e) => e.type === 'init').session_id,
  opencode: (json) => json[0].sessionID,
};

/** Lines the first turn of `slow` ends with (then it sleeps). */
const FIRST_TURN_LINES = { claude: 4, codex: 5, gemini: 5, opencode: 4 };

/** Checks a success (or tool_error, `failFirst`) stream; `events` are the known lines only. */
const CHECK_SUCCESS = {
  claude(events, { session, cwd, failFirst = false }) {
    assert.deepEqual(
      events.map((e) => e.type),
      ['system', 'assistant', 'assistant', 'user', 'assistant', 'user', 'assistant', 'result'],
    );
    const [init] = events;
    assert.equal(init.subtype, 'init');
    assert.equal(init.session_id, session);
    assert.equal(init.cwd, cwd);
    assert.equal(init.model, 'claude-sonnet-4-5');
    assert.equal(init.permissionMode, 'default');
    for (const e of events) assert.equal(e.session_id, session);
    const assistant = events.filter((e) => e.type === 'assistant');
    assert.equal(new Set(assistant.map((e) => e.message.id)).size, 3, 'three turns');
    assert.equal(assistant[0].message.id, assistant[1].message.id, 'text and tool_use of one turn share its id');
    const uses = assistant.flatMap((e) => e.message.content).filter((b) => b.type === 'tool_use');
    assert.deepEqual(
      uses.map((b) => b.name),
      [failFirst ? 'Bash' : 'Read', 'Edit'],
    );
    if (failFirst) assert.deepEqual(uses[0].input, { command: 'npm test', description: 'Run unit tests' });
    else assert.deepEqual(uses[0].input, { file_path: join(cwd, 'src/add.js') });
    const results = events.filter((e) => e.type === 'user').map((e) => e.message.content[0]);
    assert.deepEqual(
      results.map((r) => [r.type, r.tool_use_id, r.is_error]),
      [
        ['tool_result', uses[0].id, failFirst],
        ['tool_result', uses[1].id, false],
      ],
    );
    assert.match(uses[0].id, /^toolu_01[0-9a-f]{22}$/);
    assert.notEqual(uses[0].id, uses[1].id);
    assert.deepEqual(assistant.at(-1).message.content, [{ type: 'text', text: FINAL }]);
    assert.equal(assistant.at(-1).message.stop_reason, 'end_turn');
    const result = events.at(-1);
    assert.equal(result.subtype, 'success');
    assert.equal(result.is_error, false);
    assert.equal(result.num_turns, 3);
    assert.equal(result.result, FINAL);
    assert.equal(result.session_id, session);
    assert.equal(result.total_cost_usd, 0.0399);
    assert.deepEqual(result.usage, {
      input_tokens: 12,
      cache_creation_input_tokens: 1200,
      cache_read_input_tokens: 32400,
      output_tokens: 159,
    });
    assert.equal(result.modelUsage['claude-sonnet-4-5'].costUSD, 0.0399);
    assert.ok(Number.isInteger(result.duration_ms) && result.duration_ms > 0);
    const uuids = events.map((e) => e.uuid);
    assert.equal(new Set(uuids).size, uuids.length, 'every line has its own uuid');
    for (const u of uuids) assert.match(u, UUID_RE);
  },

  codex(events, { cwd, failFirst = false }) {
    assert.deepEqual(
      events.map((e) => e.type),
      [
        'thread.started',
        'turn.started',
        'item.completed',
        'item.started',
        'item.completed',
        'item.completed',
        'item.completed',
        'item.completed',
        'turn.completed',
      ],
    );
    assert.match(events[0].thread_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const completed = events.filter((e) => e.type === 'item.completed').map((e) => e.item);
    assert.deepEqual(
      completed.map((i) => [i.id, i.type]),
      [
        ['item_0', 'reasoning'],
        ['item_1', 'command_execution'],
        ['item_2', 'reasoning'],
        ['item_3', 'file_change'],
        ['item_4', 'agent_message'],
      ],
    );
    const started = events.find((e) => e.type === 'item.started').item;
    assert.deepEqual(started, {
      id: 'item_1',
      type: 'command_execution',
      command: completed[1].command,
      aggregated_output: '',
      status: 'in_progress',
    });
    if (failFirst) {
      assert.equal(completed[1].command, "bash -lc 'npm test'");
      assert.equal(completed[1].exit_code, 1);
      assert.equal(completed[1].status, 'failed');
      assert.equal(completed[1].aggregated_output, '1 failing\n  add() returns 3 for 1+1\n');
    } else {
      assert.equal(completed[1].command, "bash -lc 'cat src/add.js'");
      assert.equal(completed[1].exit_code, 0);
      assert.equal(completed[1].status, 'completed');
    }
    assert.deepEqual(completed[3].changes, [{ path: join(cwd, 'src/add.js'), kind: 'update' }]);
    assert.equal(completed[4].text, FINAL);
    assert.deepEqual(events.at(-1).usage, { input_tokens: 20642, cached_input_tokens: 20224, output_tokens: 135 });
  },

  gemini(events, { cwd, firstLine, failFirst = false, model = 'gemini-2.5-pro' }) {
    assert.deepEqual(
      events.map((e) => e.type),
      ['init', 'message', 'message', 'tool_use', 'tool_result', 'message', 'tool_use', 'tool_result', 'message', 'result'],
    );
    assert.match(events[0].session_id, UUID_RE);
    assert.equal(events[0].model, model);
    assert.deepEqual(
      events.filter((e) => e.type === 'message').map((e) => [e.role, e.content]),
      [
        ['user', firstLine],
        ['assistant', failFirst ? 'Reading the source first.' : 'I will read the code first.'],
        ['assistant', 'Fixing the off-by-one.'],
        ['assistant', FINAL],
      ],
    );
    const uses = events.filter((e) => e.type === 'tool_use');
    const results = events.filter((e) => e.type === 'tool_result');
    assert.deepEqual(
      uses.map((e) => e.tool_name),
      ['read_file', 'replace'],
    );
    assert.deepEqual(uses[0].parameters, { absolute_path: join(cwd, failFirst ? 'src/ad.js' : 'src/add.js') });
    assert.match(uses[0].tool_id, /^read_file-\d{13}-0$/);
    assert.match(uses[1].tool_id, /^replace-\d{13}-1$/);
    assert.deepEqual(
      results.map((e) => [e.tool_id, e.status]),
      [
        [uses[0].tool_id, failFirst ? 'error' : 'success'],
        [uses[1].tool_id, 'success'],
      ],
    );
    if (failFirst) {
      assert.deepEqual(results[0].error, { type: 'FILE_NOT_FOUND', message: `File not found: ${join(cwd, 'src/ad.js')}` });
    }
    const times = events.map((e) => e.timestamp);
    for (const t of times) assert.match(t, ISO_RE);
    assert.deepEqual([...times].sort(), times, 'timestamps increase');
    const result = events.at(-1);
    assert.equal(result.status, 'success');
    const tokens = { total_tokens: 18234, input_tokens: 17001, output_tokens: 1233, cached: 12000, input: 5001 };
    assert.deepEqual({ ...result.stats, duration_ms: 0 }, { ...tokens, duration_ms: 0, tool_calls: 2, models: { [model]: tokens } });
  },

  opencode(events, { cwd, failFirst = false }) {
    assert.deepEqual(
      events.map((e) => e.type),
      ['step_start', 'text', 'tool_use', 'step_finish', 'step_start', 'tool_use', 'step_finish', 'step_start', 'text', 'step_finish', 'done'],
    );
    const session = events[0].sessionID;
    assert.match(session, /^ses_[0-9a-f]{26}$/);
    for (const e of events) {
      assert.equal(e.sessionID, session);
      assert.ok(Number.isInteger(e.timestamp) && e.timestamp > 1.7e12);
      if (e.part) assert.equal(e.part.sessionID, session);
    }
    const steps = events.filter((e) => e.type === 'step_start').map((e) => e.part.messageID);
    assert.equal(new Set(steps).size, 3);
    assert.deepEqual(
      events.filter((e) => e.part).map((e) => e.part.messageID),
      [steps[0], steps[0], steps[0], steps[0], steps[1], steps[1], steps[1], steps[2], steps[2], steps[2]],
    );
    const tools = events.filter((e) => e.type === 'tool_use').map((e) => e.part);
    assert.deepEqual(
      tools.map((p) => [p.type, p.tool, p.state.status]),
      [
        ['tool', failFirst ? 'bash' : 'read', failFirst ? 'error' : 'completed'],
        ['tool', 'edit', 'completed'],
      ],
    );
    if (failFirst) {
      assert.equal(tools[0].state.error, 'Command failed with exit code 1: 1 failing\n  add() returns 3 for 1+1');
      assert.deepEqual(tools[0].state.input, { command: 'npm test', description: 'Run unit tests' });
    } else {
      assert.deepEqual(tools[0].state.input, { filePath: join(cwd, 'src/add.js') });
    }
    const finishes = events.filter((e) => e.type === 'step_finish').map((e) => e.part);
    assert.deepEqual(
      finishes.map((p) => [p.type, p.reason, p.cost]),
      [
        ['step-finish', 'tool-calls', 0.011],
        ['step-finish', 'tool-calls', 0.0123],
        ['step-finish', 'stop', 0.0136],
      ],
    );
    assert.deepEqual(finishes[0].tokens, { input: 4, output: 57, reasoning: 0, cache: { read: 10500, write: 1800 } });
    assert.equal(events.filter((e) => e.type === 'text').at(-1).part.text, FINAL);
  },
};

function checkSuccess(agent, r, ctx, opts = {}) {
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(r.raw, []);
  CHECK_SUCCESS[agent](r.json, { cwd: ctx.work, firstLine: 'scenario: success', ...opts });
}

function assertNoise(raw) {
  assert.equal(raw.length, NOISE.length, raw.join('\n'));
  NOISE.forEach((want, i) => (typeof want === 'string' ? assert.equal(raw[i], want) : assert.match(raw[i], want)));
}

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

test('gemini scenarios: stream-json events and exit code', async (t) => {
  const ctx = setup(t);
  const scenario = (name) => runFake(ctx, 'gemini', ARGV.gemini(), { input: `scenario: ${name}\n` });

  await t.test('success', () => {
    const r = scenario('success');
    checkSuccess('gemini', r, ctx);
    assert.ok(existsSync(join(ctx.home, 'sessions', 'gemini', r.json[0].session_id)));
  });
  await t.test('tool_error', () => checkSuccess('gemini', scenario('tool_error'), ctx, { failFirst: true, firstLine: 'scenario: tool_error' }));
  await t.test('max_turns N', () => {
    const r = scenario('max_turns 2');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.filter((e) => e.type === 'tool_use').map((e) => [e.tool_name, e.parameters.command]),
      [
        ['run_shell_command', 'npm test -- --grep case-1'],
        ['run_shell_command', 'npm test -- --grep case-2'],
      ],
    );
    assert.deepEqual([r.json.at(-1).type, r.json.at(-1).status, r.json.at(-1).stats.tool_calls], ['result', 'success', 2]);
  });
  await t.test('rate_limit', () => {
    const r = scenario('rate_limit');
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.json.map((e) => e.type),
      ['init', 'message', 'error'],
    );
    assert.equal(r.json[2].severity, 'error');
    assert.match(r.json[2].message, /^Quota exceeded for quota metric .*: status 429 RESOURCE_EXHAUSTED$/);
    assert.equal(r.stderr, `Error: ${r.json[2].message}\n`);
  });
  await t.test('auth prints no JSON and exits 41', () => {
    const r = scenario('auth');
    assert.equal(r.code, 41);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^Error authenticating: When using Gemini API, you must specify the GEMINI_API_KEY environment variable\.\n/);
  });
  await t.test('noise', () => {
    const r = scenario('noise');
    assert.equal(r.code, 0);
    assertNoise(r.raw);
    CHECK_SUCCESS.gemini(r.json, { cwd: ctx.work, firstLine: 'scenario: noise' });
  });
  await t.test('truncated', () => {
    const r = scenario('truncated');
    assert.equal(r.code, 0);
    assert.ok(!r.stdout.endsWith('\n'));
    assert.equal(r.raw.length, 1);
    assert.match(r.raw[0], /^\{"type":"message","timestamp":"[^"]+","role":"assistant","content":"Fixed the off$/);
    assert.ok(!r.json.some((e) => e.type === 'result'));
  });
  await t.test('unknown_types', () => {
    const r = scenario('unknown_types');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.filter((e) => !KNOWN.gemini(e)).map((e) => e.type),
      ['thought', 'tool_confirmation', 'telemetry'],
    );
    CHECK_SUCCESS.gemini(r.json.filter(KNOWN.gemini), { cwd: ctx.work, firstLine: 'scenario: unknown_types' });
  });
});

test('opencode scenarios: run --format json events and exit code', async (t) => {
  const ctx = setup(t);
  const scenario = (name) => runFake(ctx, 'opencode', ARGV.opencode(), { input: `scenario: ${name}\n` });

  await t.test('success', () => {
    const r = scenario('success');
    checkSuccess('opencode', r, ctx);
    assert.ok(existsSync(join(ctx.home, 'sessions', 'opencode', r.json[0].sessionID)));
  });
  await t.test('tool_error', () => checkSuccess('opencode', scenario('tool_error'), ctx, { failFirst: true }));
  await t.test('max_turns N', () => {
    const r = scenario('max_turns 3');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.filter((e) => e.type === 'step_finish').map((e) => e.part.reason),
      ['tool-calls', 'tool-calls', 'tool-calls', 'stop'],
    );
    assert.equal(r.json.at(-1).type, 'done');
  });
  await t.test('rate_limit', () => {
    const r = scenario('rate_limit');
    assert.equal(r.code, 1);
    assert.deepEqual(
      r.json.map((e) => e.type),
      ['step_start', 'error'],
    );
    assert.deepEqual(r.json[1].error, {
      name: 'APIError',
      data: { message: 'Rate limit exceeded: 429 Too Many Requests (retry after 60s)', statusCode: 429, isRetryable: true },
    });
  });
  await t.test('auth', () => {
    const r = scenario('auth');
    assert.equal(r.code, 1);
    assert.equal(r.json.length, 1);
    assert.equal(r.json[0].type, 'error');
    assert.equal(r.json[0].error.name, 'ProviderAuthError');
    assert.equal(r.json[0].error.data.providerID, 'anthropic');
  });
  await t.test('noise', () => {
    const r = scenario('noise');
    assert.equal(r.code, 0);
    assertNoise(r.raw);
    CHECK_SUCCESS.opencode(r.json, { cwd: ctx.work });
  });
  await t.test('truncated', () => {
    const r = scenario('truncated');
    assert.equal(r.code, 0);
    assert.ok(!r.stdout.endsWith('\n'));
    assert.match(r.raw[0], /^\{"type":"text","timestamp":\d+,"sessionID":"ses_[0-9a-f]{26}","part":\{"id":"prt_[0-9a-f]{26}","type":"text","text":"Fixed the off$/);
    assert.ok(!r.json.some((e) => e.type === 'done'));
  });
  await t.test('unknown_types', () => {
    const r = scenario('unknown_types');
    assert.equal(r.code, 0);
    assert.deepEqual(
      r.json.filter((e) => !KNOWN.opencode(e)).map((e) => e.type),
      ['snapshot', 'patch', 'permission.asked'],
    );
    CHECK_SUCCESS.opencode(r.json.filter(KNOWN.opencode), { cwd: ctx.work });
  });
});

test('FAKE_AGENT_DELAY spaces the lines out', (t) => {
  const ctx = setup(t);
  const started = Date.now();
  const r = runFake(ctx, 'opencode', ARGV.opencode(), { delay: '0.1' });
  const elapsed = Date.now() - started;
  assert.equal(r.code, 0);
  assert.equal(r.json.length, 11);
  assert.ok(elapsed >= 1000, `11 lines at 0.1 s took ${elapsed} ms`);
});

// ---------------------------------------------------------------------------------------------
// Sessions

test('every fake resumes its own sessions and refuses unknown ones', async (t) => {
  const ctx = setup(t);
  for (const agent of AGENTS) {
    await t.test(agent, () => {
      const first = runFake(ctx, agent, ARGV[agent]());
      assert.equal(first.code, 0, first.stderr);
      const session = SESSION_OF[agent](first.json);
      const again = runFake(ctx, agent, ARGV[agent]({ resume: session }));
      assert.equal(again.code, 0, again.stderr);
      assert.equal(SESSION_OF[agent](again.json), session);
      const lines = readFileSync(join(ctx.home, 'sessions', agent, session), 'utf8').trim().split('\n');
      assert.equal(lines.length, 2);
      for (const line of lines) assert.match(line, /^\d{4}-\d\d-\d\dT[\d:.]+Z pid=\d+ scenario=success$/);
      const missing = agent === 'opencode' ? 'ses_00000000000000000000000000' : randomUUID();
      const refused = runFake(ctx, agent, ARGV[agent]({ resume: missing }));
      assert.equal(refused.code, 1);
      assert.equal(refused.stdout, '');
      assert.match(refused.stderr, new RegExp(missing));
      assert.ok(!existsSync(join(ctx.home, 'sessions', agent, missing)));
      // Another agent's session is not this one's.
      const other = agent === 'claude' ? 'codex' : 'claude';
      const foreign = runFake(ctx, other, ARGV[other]());
      const foreignId = SESSION_OF[other](foreign.json);
      assert.equal(runFake(ctx, agent, ARGV[agent]({ resume: foreignId })).code, 1);
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Invalid invocations

const S = '11111111-2222-4333-8444-555555555555';
const EXISTING = '99999999-8888-4777-8666-555555555555';
const CLAUDE = ['-p', '--output-format', 'stream-json', '--verbose', '--session-id', S];

const REFUSED = {
  claude: [
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
  ],
  codex: [
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
  ],
  gemini: [
    ['no -o', [], 2, /-o stream-json is required/],
    ['-o json', ['-o', 'json'], 2, /jobctl reads -o stream-json/],
    ['-o xml', ['--output-format', 'xml'], 2, /Invalid values: Argument: output-format, Given: "xml"/],
    ['-p', ['-o', 'stream-json', '-p', 'fix the tests'], 2, /-p: jobctl passes the prompt on stdin/],
    ['--approval-mode plan', ['-o', 'stream-json', '--approval-mode', 'plan'], 2, /Invalid values: Argument: approval-mode, Given: "plan"/],
    ['--yolo', ['-o', 'stream-json', '--yolo'], 2, /Unknown argument: --yolo/],
    ['positional prompt', ['-o', 'stream-json', 'fix the tests'], 2, /this fixture takes the prompt on stdin only/],
    ['flag twice', ['-o', 'stream-json', '-m', 'a', '-m', 'b'], 2, /option '-m' given twice/],
    ['-r of a missing session', ['-o', 'stream-json', '-r', S], 1, /^Error resuming session: Invalid session identifier "11111111-2222-4333-8444-555555555555"\.\n$/],
    ['empty stdin', ['-o', 'stream-json'], 1, /^No input provided via stdin\./, { input: '' }],
  ],
  opencode: [
    ['no run', ['--format', 'json'], 2, /jobctl runs 'opencode run \.\.\.'/],
    ['no --format', ['run'], 2, /--format json is required/],
    ['--format default', ['run', '--format', 'default'], 2, /jobctl reads --format json/],
    ['model without provider', ['run', '--format', 'json', '-m', 'claude-sonnet-4-5'], 2, /-m takes provider\/model, got 'claude-sonnet-4-5'/],
    ['--model (not -m)', ['run', '--format', 'json', '--model', 'a/b'], 2, /Unknown argument: --model/],
    ['positional prompt', ['run', '--format', 'json', 'fix the tests'], 2, /this fixture takes the prompt on stdin only/],
    ['flag twice', ['run', '--format', 'json', '--auto', '--auto'], 2, /option '--auto' given twice/],
    ['-s of a missing session', ['run', '--format', 'json', '-s', 'ses_missing'], 1, /^Error: Session not found: ses_missing\n$/],
    ['empty stdin', ['run', '--format', 'json'], 1, /^Error: You must provide a message or a command\n$/, { input: '' }],
  ],
};

for (const agent of AGENTS) {
  test(`${agent} refuses invocations off the contract`, async (t) => {
    const ctx = setup(t);
    mkdirSync(join(ctx.home, 'sessions', agent), { recursive: true });
    writeFileSync(join(ctx.home, 'sessions', agent, EXISTING), 'existing\n');
    const before = readdirSync(join(ctx.home, 'sessions', agent)).sort();
    for (const [name, args, code, stderr, opts = {}] of REFUSED[agent]) {
      await t.test(name, () => {
        const r = runFake(ctx, agent, args, opts);
        assert.equal(r.code, code, `${name}: ${r.stderr}`);
        assert.match(r.stderr, stderr);
        assert.equal(r.stdout, '');
        assert.deepEqual(readdirSync(join(ctx.home, 'sessions', agent)).sort(), before, 'no session created');
      });
    }
  });
}

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

test('gemini and opencode accept their whole flag sets', (t) => {
  const ctx = setup(t);
  const g = runFake(ctx, 'gemini', ['--output-format', 'stream-json', '-m', 'gemini-2.5-flash', '--approval-mode', 'yolo']);
  assert.equal(g.code, 0, g.stderr);
  CHECK_SUCCESS.gemini(g.json, { cwd: ctx.work, firstLine: 'scenario: success', model: 'gemini-2.5-flash' });
  for (const mode of ['default', 'auto_edit']) {
    assert.equal(runFake(ctx, 'gemini', ['-o', 'stream-json', '--approval-mode', mode]).code, 0);
  }
  const o = runFake(ctx, 'opencode', ['run', '-m', 'anthropic/claude-sonnet-4-5', '--auto', '--format', 'json']);
  assert.equal(o.code, 0, o.stderr);
  CHECK_SUCCESS.opencode(o.json, { cwd: ctx.work });
});

test('a prompt without a scenario line is a success; CRLF is fine', (t) => {
  const ctx = setup(t);
  const plain = runFake(ctx, 'gemini', ARGV.gemini(), { input: 'Fix the failing test in src/add.js\n' });
  CHECK_SUCCESS.gemini(plain.json, { cwd: ctx.work, firstLine: 'Fix the failing test in src/add.js' });
  const crlf = runFake(ctx, 'codex', ARGV.codex(), { input: 'scenario: rate_limit\r\nplease\r\n' });
  assert.equal(crlf.code, 1);
  assert.equal(crlf.json.at(-1).type, 'turn.failed');
  const quoted = runFake(ctx, 'gemini', ARGV.gemini(), { input: 'say "hi" \\ then\tstop\nmore' });
  assert.equal(quoted.json[1].content, 'say "hi" \\ thenstop', 'the user message is valid JSON (control characters dropped)');
});

// ---------------------------------------------------------------------------------------------
// Signals, endless runs, recording, concurrency

for (const busybox of [false, true]) {
  test(`SIGTERM during slow: 'received SIGTERM', exit 143 at once, no sleep left, running file gone${busybox ? ' (busybox sh)' : ''}`, async (t) => {
    const ctx = setup(t);
    const log = join(ctx.dir, 'log');
    const path = busybox ? busyboxBin(ctx.dir) : undefined;
    for (const agent of AGENTS) {
      await t.test(agent, async () => {
        const run = startFake(ctx, agent, ARGV[agent](), { input: 'scenario: slow 30\n', log, busybox, path });
        const pid = run.child.pid;
        const sleeper = await until('the slow sleep', () => childrenOf(pid).find((c) => c.comm === 'sleep'));
        const lines = run.stdout.split('\n').filter(Boolean);
        assert.equal(lines.length, FIRST_TURN_LINES[agent], run.stdout);
        const session = SESSION_OF[agent](lines.map((l) => JSON.parse(l)));
        const running = join(log, `running.${session}`);
        assert.equal(readFileSync(running, 'utf8'), `${pid}\n`);
        run.mark = Date.now();
        run.child.kill('SIGTERM');
        const end = await run.exited;
        assert.deepEqual([end.code, end.signal], [143, null]);
        assert.ok(end.ms < 1500, `exited ${end.ms} ms after SIGTERM`);
        assert.equal(run.stderr, 'received SIGTERM\n');
        assert.ok(!existsSync(running), 'running file removed');
        await until('the sleep to die', () => processGone(sleeper.pid), 2000);
      });
    }
  });
}

test('max_turns without N goes on until killed (claude: until --max-turns)', async (t) => {
  const ctx = setup(t);
  const turns = {
    claude: (json) => json.filter((e) => e.type === 'user').length,
    codex: (json) => json.filter((e) => e.type === 'item.completed' && e.item.type === 'command_execution').length,
    gemini: (json) => json.filter((e) => e.type === 'tool_result').length,
    opencode: (json) => json.filter((e) => e.type === 'step_finish').length,
  };
  for (const agent of AGENTS) {
    await t.test(agent, async () => {
      const args = agent === 'claude' ? ARGV.claude() : ARGV[agent]();
      const run = startFake(ctx, agent, args, { input: 'scenario: max_turns\n' });
      const count = () => turns[agent](parseStream(run.stdout.slice(0, run.stdout.lastIndexOf('\n') + 1)).json);
      await until('12 turns', () => count() >= 12);
      const json = parseStream(run.stdout.slice(0, run.stdout.lastIndexOf('\n') + 1)).json;
      assert.ok(!json.some((e) => ['result', 'turn.completed', 'done'].includes(e.type)), 'no end in sight');
      run.mark = Date.now();
      run.child.kill('SIGTERM');
      const end = await run.exited;
      assert.equal(end.code, 143);
    });
  }
  await t.test('claude with --max-turns 7', () => {
    const r = runFake(ctx, 'claude', ARGV.claude({ maxTurns: 7 }), { input: 'scenario: max_turns\n' });
    assert.equal(r.code, 1);
    assert.equal(turns.claude(r.json), 7);
    assert.deepEqual([r.json.at(-1).subtype, r.json.at(-1).num_turns], ['error_max_turns', 7]);
  });
});

test('FAKE_AGENT_LOG records argv, the exact prompt bytes and the environment', async (t) => {
  const ctx = setup(t);
  const log = join(ctx.dir, 'log');
  const prompt = 'scenario: success\r\n  Fix "add" in src/add.js — ünïcödé, $HOME `date` \\n\ttab\n\nlast line, no newline \u0000 nul';
  for (const agent of AGENTS) {
    await t.test(agent, () => {
      const args = agent === 'claude' ? [...ARGV.claude(), '--model', 'claude with spaces'] : ARGV[agent]();
      const r = runFake(ctx, agent, args, { input: prompt, log, env: { MARKER: 'a b=c' } });
      assert.equal(r.code, 0, r.stderr);
      const base = join(log, `${agent}.${r.pid}`);
      assert.deepEqual(readFileSync(`${base}.argv`, 'utf8').split('\n'), [...args, '']);
      assert.deepEqual(readFileSync(`${base}.prompt`), Buffer.from(prompt));
      const env = readFileSync(`${base}.env`, 'utf8').split('\n');
      assert.ok(env.includes('MARKER=a b=c'));
      assert.ok(env.includes(`FAKE_AGENT_HOME=${ctx.home}`));
      assert.ok(env.includes(`FAKE_AGENT_LOG=${log}`));
      assert.deepEqual(
        readdirSync(log).filter((f) => f.startsWith('running.')),
        [],
        'no running file once ended',
      );
    });
  }
  await t.test('a refused run records argv and env too, no prompt', () => {
    const r = runFake(ctx, 'codex', ['exec', '--json', 'fix it'], { log });
    assert.equal(r.code, 2);
    assert.deepEqual(readFileSync(join(log, `codex.${r.pid}.argv`), 'utf8'), 'exec\n--json\nfix it\n');
    assert.ok(existsSync(join(log, `codex.${r.pid}.env`)));
    assert.ok(!existsSync(join(log, `codex.${r.pid}.prompt`)));
  });
  await t.test('no argv at all: an empty argv file', () => {
    const r = runFake(ctx, 'gemini', [], { log });
    assert.equal(r.code, 2);
    assert.equal(readFileSync(join(log, `gemini.${r.pid}.argv`), 'utf8'), '');
  });
});

test('a second run of a live session exits 3 with CONCURRENT SESSION', async (t) => {
  const ctx = setup(t);
  const log = join(ctx.dir, 'log');
  for (const agent of AGENTS) {
    await t.test(agent, async () => {
      const first = runFake(ctx, agent, ARGV[agent](), { log });
      const session = SESSION_OF[agent](first.json);
      const live = startFake(ctx, agent, ARGV[agent]({ resume: session }), { input: 'scenario: slow 30\n', log });
      const running = join(log, `running.${session}`);
      await until('the running file', () => existsSync(running));
      const second = runFake(ctx, agent, ARGV[agent]({ resume: session }), { log });
      assert.equal(second.code, 3);
      assert.equal(second.stderr, `CONCURRENT SESSION ${session}\n`);
      assert.equal(second.stdout, '');
      assert.equal(readFileSync(running, 'utf8'), `${live.child.pid}\n`, 'the live run keeps its running file');
      live.child.kill('SIGTERM');
      assert.equal((await live.exited).code, 143);
      assert.ok(!existsSync(running));
      const after = runFake(ctx, agent, ARGV[agent]({ resume: session }), { log });
      assert.equal(after.code, 0, after.stderr);
    });
  }
  await t.test('two claude runs given the same new --session-id: the second is refused', async () => {
    const session = randomUUID();
    const live = startFake(ctx, 'claude', ARGV.claude({ session }), { input: 'scenario: slow 30\n', log });
    await until('the running file', () => existsSync(join(log, `running.${session}`)));
    const second = runFake(ctx, 'claude', ARGV.claude({ session }), { log });
    assert.equal(second.code, 1);
    assert.match(second.stderr, /is already in use/);
    live.child.kill('SIGTERM');
    assert.equal((await live.exited).code, 143);
  });
});

// ---------------------------------------------------------------------------------------------
// Only the allowed commands; busybox sh

test('dash with only the allowed commands on PATH (busybox applets): every scenario of every fake', async (t) => {
  // busybox sh finds its own applets whatever PATH says: dash is what proves the command set.
  const ctx = setup(t);
  const path = busyboxBin(ctx.dir);
  const sh = readFileSync('/bin/sh').equals(readFileSync('/bin/dash')) ? '/bin/sh' : '/bin/dash';
  const exits = { rate_limit: 1, auth: 1, truncated: 0 };
  for (const agent of AGENTS) {
    await t.test(agent, () => {
      for (const scenario of ['success', 'tool_error', 'max_turns 2', 'rate_limit', 'auth', 'noise', 'truncated', 'slow 0.1', 'unknown_types']) {
        const [cmd, argv] = [sh, [join(FAKE_AGENTS_DIR, agent), ...ARGV[agent]()]];
        const env = environment(ctx, { path, log: join(ctx.dir, 'log') });
        const r = spawnSync(cmd, argv, { input: `scenario: ${scenario}\n`, env, cwd: ctx.work, encoding: 'utf8' });
        const want = agent === 'gemini' && scenario === 'auth' ? 41 : (exits[scenario.split(' ')[0]] ?? 0);
        assert.equal(r.status, want, `${agent} ${scenario}: ${r.stderr}`);
        assert.doesNotMatch(r.stderr, /not found/);
        assert.ok(r.stdout.length > 0 || (agent === 'gemini' && scenario === 'auth'), `${agent} ${scenario} printed nothing`);
        if (!['rate_limit', 'auth', 'truncated'].includes(scenario)) assert.equal(r.stderr, '', `${agent} ${scenario}`);
      }
    });
  }
});

test('busybox sh: every fake, every success-shaped scenario, busybox applets only', async (t) => {
  const ctx = setup(t);
  const path = busyboxBin(ctx.dir);
  for (const agent of AGENTS) {
    await t.test(agent, () => {
      const first = runFake(ctx, agent, ARGV[agent](), { busybox: true, path });
      checkSuccess(agent, first, ctx, { session: first.json[0]?.session_id });
      const session = SESSION_OF[agent](first.json);
      const failing = runFake(ctx, agent, ARGV[agent]({ resume: session }), { busybox: true, path, input: 'scenario: tool_error\n' });
      assert.equal(failing.code, 0, failing.stderr);
      CHECK_SUCCESS[agent](failing.json, { cwd: ctx.work, session, failFirst: true, firstLine: 'scenario: tool_error' });
      const noisy = runFake(ctx, agent, ARGV[agent](), { busybox: true, path, input: 'scenario: noise\n' });
      assertNoise(noisy.raw);
      const limited = runFake(ctx, agent, ARGV[agent](), { busybox: true, path, input: 'scenario: rate_limit\n' });
      assert.equal(limited.code, 1);
    });
  }
  await t.test('refusals and recording', () => {
    const log = join(ctx.dir, 'log');
    const refused = runFake(ctx, 'claude', ['-p', '--output-format', 'stream-json', '--session-id', S], { busybox: true, path });
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'Error: When using --print, --output-format=stream-json requires --verbose\n');
    const outside = runFake(ctx, 'codex', ['exec', '--json', '-'], { busybox: true, path });
    assert.equal(outside.code, 1);
    const r = runFake(ctx, 'opencode', ARGV.opencode(), { busybox: true, path, log, input: 'scenario: success\nbytes: ü\t"x"' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(log, `opencode.${r.pid}.prompt`), 'utf8'), 'scenario: success\nbytes: ü\t"x"');
    assert.equal(readFileSync(join(log, `opencode.${r.pid}.argv`), 'utf8'), 'run\n--format\njson\n');
  });
});
