// Coding-agent jobs on this machine, driven through bin/jobctl against the fake agent CLIs of
// test/fixtures/agents (they check their argv like the real CLIs and print their formats).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { withRoot, waitFor, supervisorGone, assertMatchesSchema, allCmdlines, PROJECT } from '../helpers/jobctl.mjs';

const FAKES = join(PROJECT, 'test', 'fixtures', 'agents');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A root with a config pointing the local executor at the fakes, and a recording directory. */
function agentRoot(t, { extraConfig = '', delay = '0.02' } = {}) {
  const ctx = withRoot(t);
  const record = join(ctx.base, 'record');
  const home = join(ctx.base, 'agent-home');
  mkdirSync(record);
  mkdirSync(home);
  const config = join(ctx.base, 'config.toml');
  const paths = ['claude', 'codex', 'gemini', 'opencode'].map((a) => `${a}_path = "${join(FAKES, a)}"`).join('\n');
  writeFileSync(config, `${extraConfig}\n[executors.local]\n${paths}\n`);
  const env = { FAKE_AGENT_LOG: record, FAKE_AGENT_HOME: home, FAKE_AGENT_DELAY: delay, CLAUDECODE: '1' };
  const run = (args, opts = {}) => ctx.run(args, { config, ...opts, env: { ...env, ...(opts.env ?? {}) } });
  return { ...ctx, run, record, home, config, env };
}

/** What each fake invocation recorded: argv lines, prompt bytes, env text. */
function recordings(dir, agent) {
  return readdirSync(dir)
    .filter((f) => f.startsWith(`${agent}.`) && f.endsWith('.argv'))
    .map((f) => {
      const base = join(dir, f.slice(0, -'.argv'.length));
      return {
        argv: readFileSync(`${base}.argv`, 'utf8').split('\n').slice(0, -1),
        prompt: readFileSync(`${base}.prompt`),
        env: readFileSync(`${base}.env`, 'utf8'),
      };
    });
}

const finishedEvent = (root, id) => JSON.parse(readFileSync(join(root, id, 'completion_event.json'), 'utf8'));

test('a Claude job: prompt on stdin, exact argv, no CLAUDECODE, activity in status, outcome in job.finished', async (t) => {
  const { run, root, record } = agentRoot(t);
  const prompt = 'scenario: success\nFix the failing test; keep `$HOME` and "quotes" as they are.\n';
  const { json } = await run(['run', '--wait', '--prompt', prompt, '--max-turns', '5', '--permission-mode', 'acceptEdits', '--tag', 'ai']);
  assert.equal(json.state, 'exited', JSON.stringify(json));
  assert.equal(json.exit_code, 0);
  await supervisorGone(root, json.job_id);
  const [rec] = recordings(record, 'claude');
  assert.ok(rec, 'the fake claude ran');
  const session = rec.argv[rec.argv.indexOf('--session-id') + 1];
  assert.match(session, UUID);
  assert.deepEqual(rec.argv, ['-p', '--output-format', 'stream-json', '--verbose', '--max-turns', '5', '--permission-mode', 'acceptEdits', '--session-id', session]);
  assert.equal(rec.prompt.toString('utf8'), prompt, 'the prompt reached stdin byte for byte');
  assert.doesNotMatch(rec.env, /^CLAUDECODE=/m, 'CLAUDECODE is removed from the agent environment');
  // The prompt is in a 0600 file, nowhere in the definition.
  const dir = join(root, json.job_id);
  assert.equal(statSync(join(dir, 'prompt.txt')).mode & 0o777, 0o600);
  assert.ok(!readFileSync(join(dir, 'meta.json'), 'utf8').includes('Fix the failing test'));

  const status = (await run(['status', json.job_id])).json;
  assert.equal(status.payload, 'agent:claude');
  const a = status.agent;
  assert.equal(a.name, 'claude');
  assert.equal(a.outcome, 'success');
  assert.equal(a.session_id, session);
  assert.equal(a.max_turns, 5);
  assert.ok(a.model && a.model.length > 0, 'model reported');
  assert.ok(a.turns >= 2, `turns: ${a.turns}`);
  assert.ok(a.tool_calls >= 2, `tool calls: ${a.tool_calls}`);
  assert.ok(a.last_tool_calls.length >= 2 && a.last_tool_calls.every((c) => c.status === 'ok' || c.status === 'error'));
  assert.ok(a.tokens.output > 0, JSON.stringify(a.tokens));
  assert.ok(a.cost_usd > 0);
  assert.ok(a.last_text && a.last_text.length > 0);
  const list = (await run(['list'])).json;
  assert.equal(list.jobs[0].payload, 'agent:claude');
  const board = (await run(['dashboard'])).json;
  assert.deepEqual(board.jobs[0].agent, {
    turns: a.turns,
    tool_calls: a.tool_calls,
    last_tool_call: { name: a.last_tool_calls.at(-1).name, input: a.last_tool_calls.at(-1).input, status: a.last_tool_calls.at(-1).status },
    cost_usd: a.cost_usd,
    outcome: 'success',
  });

  const event = finishedEvent(root, json.job_id);
  assertMatchesSchema('job.finished', event);
  assert.equal(event.agent.outcome, 'success');
  assert.equal(event.agent.session_id, session);
  assert.equal(event.agent.turns, a.turns);
});

for (const agent of ['codex', 'gemini', 'opencode']) {
  test(`a ${agent} job: exact argv, prompt on stdin, success with tool calls`, async (t) => {
    const { run, root, record } = agentRoot(t);
    const prompt = 'scenario: tool_error\nWrite the tests.\n';
    const extra = agent === 'opencode' ? ['--model', 'anthropic/claude-sonnet-4-5', '--permission-mode', 'auto'] : agent === 'codex' ? ['--model', 'gpt-5-codex', '--permission-mode', 'workspace-write'] : ['--model', 'gemini-2.5-pro', '--permission-mode', 'yolo'];
    const { json } = await run(['run', '--wait', '--agent', agent, '--prompt', prompt, ...extra]);
    assert.equal(json.state, 'exited', JSON.stringify(json));
    await supervisorGone(root, json.job_id);
    const [rec] = recordings(record, agent);
    const expected = {
      codex: ['exec', '--json', '-m', 'gpt-5-codex', '--sandbox', 'workspace-write', '--skip-git-repo-check', '-'],
      gemini: ['-o', 'stream-json', '-m', 'gemini-2.5-pro', '--approval-mode', 'yolo'],
      opencode: ['run', '--format', 'json', '-m', 'anthropic/claude-sonnet-4-5', '--auto'],
    }[agent];
    assert.deepEqual(rec.argv, expected);
    assert.equal(rec.prompt.toString('utf8'), prompt);
    const status = (await run(['status', json.job_id])).json;
    assert.equal(status.payload, `agent:${agent}`);
    assert.equal(status.agent.outcome, 'success', JSON.stringify(status.agent));
    assert.ok(status.agent.session_id, 'session id from the stream');
    assert.ok(status.agent.last_tool_calls.some((c) => c.status === 'error'), 'the failing tool call is marked');
    assert.ok(status.agent.last_tool_calls.some((c) => c.status === 'ok'));
    const event = finishedEvent(root, json.job_id);
    assert.equal(event.agent.session_id, status.agent.session_id);
  });
}

test('turn limits: Claude stops itself; codex, gemini and opencode are stopped by the supervisor', async (t) => {
  const { run, root } = agentRoot(t, { delay: '0.05' });
  const claude = (await run(['run', '--wait', '--prompt', 'scenario: max_turns', '--max-turns', '2'])).json;
  assert.equal(claude.state, 'exited');
  assert.equal(claude.exit_code, 1);
  const cs = (await run(['status', claude.job_id])).json;
  assert.equal(cs.agent.outcome, 'max_turns');
  assert.equal(cs.kill_reason, undefined, 'Claude ended by itself');
  for (const agent of ['codex', 'gemini', 'opencode']) {
    const model = agent === 'opencode' ? ['--model', 'a/b'] : [];
    const { json } = await run(['run', '--wait', '--agent', agent, ...model, '--prompt', 'scenario: max_turns', '--max-turns', '3', '--kill-after', '2s']);
    // The CLI traps SIGTERM and exits 143 itself: that is what it reports, not a signal.
    assert.equal(json.state, 'exited', `${agent}: ${JSON.stringify(json)}`);
    assert.equal(json.exit_code, 143);
    assert.equal(json.kill_reason, 'max_turns');
    await supervisorGone(root, json.job_id);
    const st = (await run(['status', json.job_id])).json;
    assert.equal(st.agent.outcome, 'max_turns', `${agent}: ${JSON.stringify(st.agent)}`);
    assert.ok(st.agent.turns >= 4 && st.agent.turns <= 5, `${agent} stopped at turn ${st.agent.turns}`);
    const event = finishedEvent(root, json.job_id);
    assert.equal(event.agent.outcome, 'max_turns');
    assert.equal(event.kill_reason, 'max_turns');
  }
});

test('[defaults] max_turns applies when --max-turns is not given', async (t) => {
  const { run, record } = agentRoot(t, { extraConfig: '[defaults]\nmax_turns = 7' });
  const { json } = await run(['run', '--wait', '--prompt', 'hello']);
  assert.equal(json.state, 'exited');
  const [rec] = recordings(record, 'claude');
  assert.equal(rec.argv[rec.argv.indexOf('--max-turns') + 1], '7');
});

test('how agents end: rate limit, auth failure, truncated stream, noise, unknown event types', async (t) => {
  const { run, root } = agentRoot(t);
  const cases = [
    ['claude', 'rate_limit', 'rate_limited'],
    ['codex', 'rate_limit', 'rate_limited'],
    ['gemini', 'rate_limit', 'rate_limited'],
    ['opencode', 'rate_limit', 'rate_limited'],
    ['claude', 'auth', 'auth_error'],
    ['codex', 'auth', 'auth_error'],
    ['gemini', 'auth', 'auth_error'],
    ['opencode', 'auth', 'auth_error'],
    ['claude', 'truncated', 'error'],
    ['codex', 'truncated', 'error'],
    ['claude', 'noise', 'success'],
    ['gemini', 'noise', 'success'],
    ['opencode', 'unknown_types', 'success'],
    ['codex', 'unknown_types', 'success'],
  ];
  for (const [agent, scenario, outcome] of cases) {
    const model = agent === 'opencode' ? ['--model', 'a/b'] : [];
    const { json } = await run(['run', '--wait', '--agent', agent, ...model, '--prompt', `scenario: ${scenario}`]);
    assert.ok(json.state === 'exited', `${agent} ${scenario}: ${JSON.stringify(json)}`);
    await supervisorGone(root, json.job_id);
    const st = (await run(['status', json.job_id])).json;
    assert.equal(st.agent.outcome, outcome, `${agent} ${scenario}: ${JSON.stringify(st.agent)}`);
    if (scenario === 'truncated') {
      assert.equal(json.exit_code, 0, 'the CLI exited 0 ...');
      assert.match(st.agent.outcome_message, /result/, '... but without a result line it is a failure');
    }
    if (scenario === 'noise') assert.ok(st.agent.raw_lines >= 1, 'non-JSON lines counted');
    if (outcome !== 'success') assert.ok(st.agent.outcome_message, 'a reason is given');
    assert.equal(finishedEvent(root, json.job_id).agent.outcome, outcome);
  }
});

test('a running agent: status shows live activity; kill ends it; logs --activity and --follow show events', async (t) => {
  const { run, root } = agentRoot(t);
  const { json } = await run(['run', '--snapshot-after', '0', '--prompt', 'scenario: slow 60']);
  const live = await waitFor(async () => {
    const st = (await run(['status', json.job_id])).json;
    return st.state === 'running' && st.agent?.turns >= 1 ? st : undefined;
  }, { what: 'agent activity while running' });
  assert.match(live.agent.session_id, UUID);
  assert.equal(live.agent.outcome, undefined, 'no outcome while running');
  assert.ok(live.resources && live.resources.processes >= 1, 'resources of the agent process');
  // A follower started now sees the events so far and the end.
  const follow = run(['logs', json.job_id, '--activity', '--follow', '50ms'], { raw: true });
  const logs = (await run(['logs', json.job_id, '--activity'])).json;
  assert.equal(logs.type, 'logs_activity');
  assert.ok(logs.events.some((e) => e.kind === 'session'));
  assert.ok(logs.events.every((e, i) => i === 0 || e.seq > logs.events[i - 1].seq));
  const killed = (await run(['kill', json.job_id])).json;
  assert.equal(killed.state, 'exited', 'the CLI traps SIGTERM and exits 143 by itself');
  assert.equal(killed.job.exit_code, 143);
  const out = await follow;
  const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l));
  for (const line of lines) assertMatchesSchema(line.type, line);
  assert.equal(lines.at(-1).type, 'activity_end');
  assert.equal(lines.at(-1).state, 'exited');
  assert.ok(lines.filter((l) => l.type === 'activity_event').some((l) => l.event.kind === 'turn'));
  await supervisorGone(root, json.job_id);
  const st = (await run(['status', json.job_id])).json;
  assert.equal(st.agent.outcome, 'error');
  assert.match(st.agent.outcome_message, /kill/i);
  const shellJob = (await run(['run', '--wait', '--', 'true'])).json;
  const refused = await run(['logs', shellJob.job_id, '--activity']);
  assert.equal(refused.json.error.code, 'invalid_state');
});

test('jobs of one session never run at once: the second waits queued, then resumes', async (t) => {
  const { run, root, record } = agentRoot(t);
  const first = (await run(['run', '--wait', '--prompt', 'hello'])).json;
  const session = (await run(['status', first.job_id])).json.agent.session_id;
  // Long enough that the first still runs when the queue is read, however loaded the machine.
  const a = (await run(['run', '--snapshot-after', '0', '--resume', session, '--prompt', 'scenario: slow 6'])).json;
  await waitFor(async () => (await run(['status', a.job_id])).json.state === 'running', { what: 'first resume to run' });
  const b = (await run(['run', '--snapshot-after', '0', '--resume', session, '--prompt', 'scenario: slow 1'])).json;
  const waiting = await waitFor(async () => {
    const st = (await run(['status', b.job_id])).json;
    return st.waiting_for ? st : undefined;
  }, { what: 'the second job to wait' });
  assert.equal(waiting.state, 'queued');
  assert.equal(waiting.waiting_for, `session claude-${session}`);
  const limits = (await run(['queue'])).json.limits;
  assert.deepEqual(limits.find((l) => l.kind === 'session'), { name: `claude-${session}`, kind: 'session', max_concurrent: 1, running: [a.job_id], queued: [b.job_id] });
  const done = (await run(['wait', b.job_id, '--timeout', '60s'])).json;
  assert.equal(done.state, 'exited', JSON.stringify(done));
  await supervisorGone(root, b.job_id);
  const sa = (await run(['status', a.job_id])).json;
  const sb = (await run(['status', b.job_id])).json;
  assert.equal(sa.agent.outcome, 'success');
  assert.equal(sb.agent.outcome, 'success');
  assert.ok(Date.parse(sb.started_at) >= Date.parse(sa.finished_at), 'the second started after the first ended');
  // The fakes fail with CONCURRENT SESSION if two runs of one session overlap.
  const resumes = recordings(record, 'claude').filter((r) => r.argv.includes('--resume'));
  assert.equal(resumes.length, 2);
  assert.ok(resumes.every((r) => r.argv[r.argv.indexOf('--resume') + 1] === session));
});

test('start --executor --prompt --workspace --max-turns creates and starts an agent job; --prompt-file - reads stdin', async (t) => {
  const { run, base, record } = agentRoot(t);
  const ws = join(base, 'ws');
  mkdirSync(ws);
  const started = (await run(['start', '--executor', 'local', '--prompt', 'seed form', '--workspace', ws, '--max-turns', '4', '--wait'])).json;
  assert.equal(started.type, 'start');
  assert.equal(started.state, 'exited');
  const st = (await run(['status', started.job_id])).json;
  assert.equal(st.cwd, ws);
  assert.equal(st.agent.max_turns, 4);
  const piped = (await run(['run', '--wait', '--prompt-file', '-'], { input: 'from stdin\n' })).json;
  assert.equal(piped.state, 'exited');
  assert.ok(recordings(record, 'claude').some((r) => r.prompt.toString() === 'from stdin\n'));
  const stray = await run(['start', started.job_id, '--prompt', 'x']);
  assert.equal(stray.json.error.code, 'usage_error');
});

test('bad agent input is a usage_error and creates nothing', async (t) => {
  const { run, root, base } = agentRoot(t);
  const file = join(base, 'empty.txt');
  writeFileSync(file, '  \n');
  const cases = [
    [['run', '--prompt', 'x', '--', 'echo', 'hi'], /prompt, not a command/],
    [['run', '--prompt', 'x', '--prompt-file', file], /not both/],
    [['run', '--prompt', '   '], /empty/],
    [['run', '--prompt-file', file], /empty/],
    [['run', '--prompt-file', join(base, 'missing.txt')], /no such file/],
    [['run', '--agent', 'cursor', '--prompt', 'x'], /--agent/],
    [['run', '--agent', 'codex', '--session', '9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60', '--prompt', 'x'], /--resume/],
    [['run', '--session', 'not-a-uuid', '--prompt', 'x'], /UUID/],
    [['run', '--session', '9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60', '--resume', 'abc', '--prompt', 'x'], /not both/],
    [['run', '--resume=-rf', '--prompt', 'x'], /session id/],
    [['run', '--permission-mode', 'yolo', '--prompt', 'x'], /claude takes/],
    [['run', '--agent', 'opencode', '--model', 'sonnet', '--prompt', 'x'], /provider\/model/],
    [['run', '--max-turns', '0', '--prompt', 'x'], /--max-turns/],
    [['run', '--max-turns', '3', '--', 'echo'], /agent jobs only/],
    [['run', '--retry', '2', '--prompt', 'x'], /--retry/],
    [['run', '--shell-wrapper', 'bash -c', '--prompt', 'x'], /shell-wrapper/],
  ];
  for (const [args, message] of cases) {
    const { json } = await run(args);
    assert.equal(json.ok, false, args.join(' '));
    assert.equal(json.error.code, 'usage_error', `${args.join(' ')}: ${json.error.message}`);
    assert.match(json.error.message, message, args.join(' '));
  }
  assert.ok(!existsSync(root) || readdirSync(root).filter((f) => !f.startsWith('.')).length === 0, 'nothing was created');
  const config = join(base, 'bad.toml');
  writeFileSync(config, '[executors.local]\nclaude_path = "bin/claude"\n');
  const bad = await run(['run', '--prompt', 'x'], { config });
  assert.equal(bad.json.error.code, 'config_error');
  assert.match(bad.json.error.message, /claude_path/);
});

test('the prompt never appears in any process argv while the agent runs', async (t) => {
  const { run } = agentRoot(t);
  const secret = `scenario: slow 30\nprompt-marker-${process.pid}-${Date.now()}`;
  const { json } = await run(['run', '--snapshot-after', '0', '--prompt', secret]);
  await waitFor(async () => (await run(['status', json.job_id])).json.agent?.turns >= 1, { what: 'agent running' });
  const marker = secret.split('\n')[1];
  assert.ok(!allCmdlines().some((c) => c.includes(marker)), 'prompt text absent from every cmdline');
  await run(['kill', json.job_id]);
});

test('a session slot outlives a SIGKILLed supervisor while its agent still runs: the runs never overlap', async (t) => {
  const { run, root } = agentRoot(t);
  const session = '5d1c2b3a-1111-4222-8333-944455556666';
  const a = (await run(['run', '--snapshot-after', '0', '--session', session, '--prompt', 'scenario: slow 10'])).json;
  const running = await waitFor(async () => {
    const st = (await run(['status', a.job_id])).json;
    return st.state === 'running' && st.agent?.turns >= 1 ? st : undefined;
  }, { what: 'the first run of the session' });
  const b = (await run(['run', '--snapshot-after', '0', '--resume', session, '--prompt', 'scenario: slow 0.2'])).json;
  await waitFor(async () => (await run(['status', b.job_id])).json.waiting_for === `session claude-${session}`, { what: 'the second run to wait' });
  process.kill(running.supervisor_pid, 'SIGKILL');
  const lost = await waitFor(async () => {
    const st = (await run(['status', a.job_id])).json;
    return st.state === 'lost' ? st : undefined;
  }, { what: 'the first job to be found lost' });
  assert.equal(lost.process_alive, true, 'its agent is still running');
  // The fake exits 3 with CONCURRENT SESSION if the second run starts while the first is alive.
  const done = (await run(['wait', b.job_id, '--timeout', '60s'])).json;
  assert.equal(done.state, 'exited', JSON.stringify(done));
  assert.equal(done.exit_code, 0, done.stderr_tail);
  assert.equal(done.agent.outcome, 'success');
  await supervisorGone(root, b.job_id);
  // gc removes idle session slots (untouched for a minute): none is idle for that long yet.
  const gc = (await run(['gc', '--older-than', '1d'])).json;
  assert.equal(gc.session_slots_removed, 0);
  const slot = join(root, '.slots', `session-claude-${session}`);
  assert.ok(existsSync(slot));
  // Aged by hand: then it goes, and the earlier Claude jobs' own sessions too.
  // The pass every call runs first may still prune a holder that just died, which touches the
  // slot: age it again until a gc finds it idle (a few tries at most).
  // A gc may remove another aged slot first, so age whatever slot files are still there each time
  // (.slots also holds plain files of the dispatcher's).
  const ageSlots = () => {
    const old = new Date(Date.now() - 3_600_000);
    for (const d of readdirSync(join(root, '.slots'))) {
      for (const sub of ['holders', 'waiting']) {
        try { utimesSync(join(root, '.slots', d, sub), old, old); } catch (e) { if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') throw e; }
      }
    }
  };
  let removed = 0;
  await waitFor(async () => {
    ageSlots();
    removed += (await run(['gc', '--older-than', '1d'])).json.session_slots_removed;
    return !existsSync(slot);
  }, { what: 'gc to remove the aged session slot', timeoutMs: 20_000 });
  assert.ok(removed >= 1, `gc reported ${removed} session slots removed`);
});

test('job.finished of an agent: masked values redacted, the session id and the CLI\'s stderr when it printed no stream', async (t) => {
  const { run, root, base } = agentRoot(t);
  // A CLI that fails before streaming, and one that repeats a secret in its answer.
  const failing = join(base, 'claude-noauth');
  writeFileSync(failing, '#!/bin/sh\ncat >/dev/null\necho "Error: Invalid API key · Please run /login" >&2\nexit 1\n', { mode: 0o755 });
  const leaking = join(base, 'claude-leak');
  writeFileSync(leaking, '#!/bin/sh\ncat >/dev/null\nprintf \'{"type":"result","subtype":"success","is_error":false,"num_turns":1,"result":"the key is %s","session_id":"s1"}\\n\' "$MY_KEY"\n', { mode: 0o755 });
  const cfg = (path) => {
    const file = join(base, `${path.split('/').pop()}.toml`);
    writeFileSync(file, `[executors.local]\nclaude_path = "${path}"\n`);
    return file;
  };
  const noauth = (await run(['run', '--wait', '--prompt', 'hi'], { config: cfg(failing) })).json;
  await supervisorGone(root, noauth.job_id);
  const event = finishedEvent(root, noauth.job_id);
  const status = (await run(['status', noauth.job_id], { config: cfg(failing) })).json;
  assert.match(event.agent.session_id, UUID);
  assert.equal(event.agent.session_id, status.agent.session_id);
  assert.equal(event.agent.outcome, 'auth_error', JSON.stringify(event.agent));
  assert.match(event.agent.outcome_message, /Invalid API key/);

  const leak = (await run(['run', '--wait', '--env', 'MY_KEY=sk-very-secret-123', '--mask', 'MY_KEY', '--prompt', 'hi'], { config: cfg(leaking) })).json;
  assert.equal(leak.agent.outcome, 'success');
  await supervisorGone(root, leak.job_id);
  const text = readFileSync(join(root, leak.job_id, 'completion_event.json'), 'utf8');
  assert.ok(!text.includes('sk-very-secret-123'), 'the secret is not in the event');
  assert.equal(JSON.parse(text).agent.last_text, 'the key is ***');
});

test('--prompt-file refuses what is not a regular file instead of reading it for ever', async (t) => {
  const { run, base } = agentRoot(t);
  const fifo = join(base, 'fifo');
  execFileSync('mkfifo', [fifo]);
  for (const path of ['/dev/zero', fifo]) {
    const { json } = await run(['run', '--prompt-file', path]);
    assert.equal(json.error.code, 'usage_error', path);
    assert.match(json.error.message, /not a regular file/);
  }
});

for (const agent of ['codex', 'gemini', 'opencode']) {
  test(`${agent}: --resume continues the session the first run reported`, async (t) => {
    const { run, root, record } = agentRoot(t);
    const model = agent === 'opencode' ? ['--model', 'a/b'] : [];
    const first = (await run(['run', '--wait', '--agent', agent, ...model, '--prompt', 'start it'])).json;
    const session = first.agent.session_id;
    assert.ok(session, JSON.stringify(first.agent));
    const second = (await run(['run', '--wait', '--agent', agent, ...model, '--resume', session, '--prompt', 'go on'])).json;
    assert.equal(second.state, 'exited', JSON.stringify(second));
    assert.equal(second.exit_code, 0, second.stderr_tail);
    assert.equal(second.agent.outcome, 'success');
    assert.equal(second.agent.session_id, session);
    await supervisorGone(root, second.job_id);
    const resumed = recordings(record, agent).find((r) => r.prompt.toString() === 'go on');
    const expected = { codex: ['resume', session, '-'], gemini: ['-r', session], opencode: ['-s', session] }[agent];
    assert.deepEqual(resumed.argv.slice(-expected.length), expected, JSON.stringify(resumed.argv));
    // An unknown session is the CLI's error, reported as such.
    const unknown = (await run(['run', '--wait', '--agent', agent, ...model, '--resume', 'no-such-session', '--prompt', 'x'])).json;
    assert.notEqual(unknown.exit_code, 0);
    assert.equal(unknown.agent.outcome, 'error');
    assert.match(unknown.agent.outcome_message, /stderr: /);
  });
}

test('bypassPermissions as root: refused by Claude unless the caller says the machine is a sandbox', { skip: process.getuid?.() !== 0 && 'not running as root' }, async (t) => {
  const { run } = agentRoot(t);
  const refused = (await run(['run', '--wait', '--permission-mode', 'bypassPermissions', '--prompt', 'hi'])).json;
  assert.equal(refused.exit_code, 1);
  assert.equal(refused.agent.outcome, 'error');
  assert.match(refused.agent.outcome_message, /root\/sudo/);
  const allowed = (await run(['run', '--wait', '--permission-mode', 'bypassPermissions', '--env', 'IS_SANDBOX=1', '--prompt', 'hi'])).json;
  assert.equal(allowed.exit_code, 0);
  assert.equal(allowed.agent.outcome, 'success');
});
