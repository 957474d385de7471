// What every fake agent CLI of test/fixtures/agents does alike (shared code in lib.sh), run
// directly: FAKE_AGENT_DELAY, sessions, prompts, signals, recording and concurrent runs of one
// session; and every fake under dash or busybox sh with a PATH of busybox applets only, as inside a
// busybox container. Each fake's own scenarios and refusals are in the file named after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { FAKE_AGENTS_DIR, busyboxBin } from '../../helpers/fake-agents.mjs';
import {
  setup, parseStream, environment, runFake, startFake, until, childrenOf, processGone, S,
} from '../../helpers/fake-agent-run.mjs';
import {
  AGENTS, ARGV, SESSION_OF, FIRST_TURN_LINES, CHECK_SUCCESS, checkSuccess, assertNoise,
} from '../../helpers/fake-agent-streams.mjs';

// ---------------------------------------------------------------------------------------------
// Lines and sessions

test('FAKE_AGENT_DELAY spaces the lines out', (t) => {
  const ctx = setup(t);
  const started = Date.now();
  const r = runFake(ctx, 'opencode', ARGV.opencode(), { delay: '0.1' });
  const elapsed = Date.now() - started;
  assert.equal(r.code, 0);
  assert.equal(r.json.length, 11);
  assert.ok(elapsed >= 1000, `11 lines at 0.1 s took ${elapsed} ms`);
});

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
// Flags and prompts

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
        // The sleep can show in /proc before the pipe has delivered the first turn's lines.
        await until('the first turn on stdout', () => run.stdout.split('\n').filter(Boolean).length >= FIRST_TURN_LINES[agent]);
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
