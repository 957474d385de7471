// examples/notify: the OpenClaw notify-command scripts of docs/recipes.md, run as jobctl runs a
// notify command (from /, event JSON on stdin) with a fake `openclaw` that records its argv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync, symlinkSync, chmodSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { PROJECT, testDir } from '../helpers/jobctl.mjs';

const WAKE = join(PROJECT, 'examples', 'notify', 'openclaw-wake.sh');
const MESSAGE = join(PROJECT, 'examples', 'notify', 'openclaw-message.sh');
const ID = 'k3v9x0q2m8a1b7c4d5e6';

/** Fields in the order jobctl writes them (finishedEvent); undefined ones are left out. */
const ORDER = [
  'schema_version', 'event_type', 'job_id', 'state', 'exit_code', 'signal', 'timed_out', 'command', 'cwd', 'tags',
  'name', 'started_at', 'finished_at', 'duration_ms', 'error', 'attempt', 'attempts', 'agent',
  'stdout_log_path', 'stderr_log_path',
];

function event(fields = {}) {
  const all = {
    schema_version: '1',
    event_type: 'job.finished',
    job_id: ID,
    state: 'exited',
    exit_code: 0,
    timed_out: false,
    command: ['sh', '-c', 'npm test'],
    cwd: '/work/app',
    tags: [],
    started_at: '2026-03-01T12:00:00.000Z',
    finished_at: '2026-03-01T12:00:04.200Z',
    duration_ms: 4200,
    stdout_log_path: `/jobs/${ID}/stdout.log`,
    stderr_log_path: `/jobs/${ID}/stderr.log`,
    ...fields,
  };
  return Object.fromEntries(ORDER.filter((k) => all[k] !== undefined).map((k) => [k, all[k]]));
}

/** A temp dir with a fake openclaw recording its argv (NUL-separated) and exiting OPENCLAW_EXIT. */
function setup(t) {
  const dir = testDir(t, 'recipes-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const argvFile = join(dir, 'openclaw.argv');
  writeFileSync(join(bin, 'openclaw'), '#!/bin/sh\nprintf \'%s\\000\' "$@" > "$OPENCLAW_ARGV"\nexit "${OPENCLAW_EXIT:-0}"\n');
  chmodSync(join(bin, 'openclaw'), 0o755);
  return { dir, bin, argvFile };
}

/** Runs a script like jobctl's command sink: `sh -lc CMD` would do the same, from /. */
function notify(ctx, script, args, input, { env = {}, path } = {}) {
  const r = spawnSync('/bin/sh', [script, ...args], {
    input,
    cwd: '/',
    encoding: 'utf8',
    env: { ...process.env, PATH: path ?? `${ctx.bin}:${process.env.PATH}`, OPENCLAW_ARGV: ctx.argvFile, ...env },
  });
  const argv = existsSync(ctx.argvFile) ? readFileSync(ctx.argvFile, 'utf8').split('\0').slice(0, -1) : undefined;
  return { code: r.status, stderr: r.stderr, stdout: r.stdout, argv };
}

/** A job name that would run commands if a script let a shell see it unquoted. */
const nameFor = (dir) => `it's a "big" build & test; $(touch ${dir}/pwned) \`touch ${dir}/pwned2\``;

test('openclaw-wake.sh: openclaw agent --session-id ID --message TEXT --deliver, quoting intact', (t) => {
  const ctx = setup(t);
  const NAME = nameFor(ctx.dir);
  const e = event({
    name: NAME,
    duration_ms: 125_000,
    agent: {
      name: 'claude',
      outcome: 'success',
      session_id: '9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60',
      turns: 3,
      cost_usd: 0.0412,
      last_text: 'Fixed the off-by-one in add();\n\ttests pass.',
    },
  });
  const r = notify(ctx, WAKE, ['agent:main:main'], JSON.stringify(e));
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.deepEqual(r.argv, [
    'agent',
    '--session-id',
    'agent:main:main',
    '--message',
    `jobctl job "${NAME}" (k3v9x0q2) exited with code 0 (2m05s). Agent claude: success, 3 turns, $0.0412, session 9c1e7f3a-2b7a-4e8e-9d4a-1c2b3d4e5f60. Last message: "Fixed the off-by-one in add(); tests pass.". Details: jobctl status ${ID}`,
    '--deliver',
  ]);
  assert.ok(!existsSync(join(ctx.dir, 'pwned')) && !existsSync(join(ctx.dir, 'pwned2')), 'the name is never run');
});

test('openclaw-message.sh: openclaw message send --channel C --target T --message TEXT', (t) => {
  const ctx = setup(t);
  const NAME = nameFor(ctx.dir);
  const target = `'@ops room' "x" $HOME`;
  const r = notify(ctx, MESSAGE, ['telegram', target], JSON.stringify(event({ name: NAME, exit_code: 3 })));
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.argv, [
    'message',
    'send',
    '--channel',
    'telegram',
    '--target',
    target,
    '--message',
    `jobctl job "${NAME}" (k3v9x0q2) exited with code 3 (4.2s). Details: jobctl status ${ID}`,
  ]);
});

test('the message for every way a job ends', async (t) => {
  const ctx = setup(t);
  const cases = [
    [{ duration_ms: 850 }, `jobctl job k3v9x0q2 exited with code 0 (850ms). Details: jobctl status ${ID}`],
    [
      { state: 'killed', exit_code: undefined, signal: 'SIGTERM', timed_out: true, duration_ms: 3_725_000 },
      `jobctl job k3v9x0q2 was killed by SIGTERM after timing out (1h02m). Details: jobctl status ${ID}`,
    ],
    [
      { state: 'failed', exit_code: undefined, started_at: undefined, duration_ms: undefined, error: { code: 'launch_failed', message: 'spawn nope ENOENT' } },
      `jobctl job k3v9x0q2 failed (launch_failed: spawn nope ENOENT). Details: jobctl status ${ID}`,
    ],
    [{ state: 'lost', exit_code: undefined, duration_ms: 61_000 }, `jobctl job k3v9x0q2 was lost (1m01s). Details: jobctl status ${ID}`],
    [
      {
        exit_code: 1,
        agent: { name: 'codex', outcome: 'rate_limited', turns: 1, last_text: 'x'.repeat(400) },
      },
      `jobctl job k3v9x0q2 exited with code 1 (4.2s). Agent codex: rate_limited, 1 turn. Last message: "${'x'.repeat(299)}…". Details: jobctl status ${ID}`,
    ],
    [
      { agent: { name: 'gemini', outcome: 'auth_error', session_id: 'c8a5', turns: 0, cost_usd: 0 } },
      `jobctl job k3v9x0q2 exited with code 0 (4.2s). Agent gemini: auth_error, 0 turns, $0.0000, session c8a5. Details: jobctl status ${ID}`,
    ],
  ];
  for (const [fields, text] of cases) {
    await t.test(text.slice(0, 60), () => {
      const r = notify(ctx, WAKE, ['s'], JSON.stringify(event(fields)));
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.argv[4], text);
    });
  }
});

test('docs/recipes.md shows what the scripts really send', (t) => {
  const ctx = setup(t);
  const doc = readFileSync(join(PROJECT, 'docs', 'recipes.md'), 'utf8');
  const sample = JSON.parse(doc.match(/```json\n([\s\S]*?)```/)[1]);
  const text = doc.match(/```text\n(.*)\n```/)[1];
  assert.ok(sample.agent, 'the sample is an agent job');
  const wake = notify(ctx, WAKE, ['s'], JSON.stringify(sample));
  assert.equal(wake.argv[4], text);
  const message = notify(ctx, MESSAGE, ['c', 't'], JSON.stringify(sample));
  assert.equal(message.argv[7], text);
  // The hand-test line of the doc works as written (OPENCLAW=echo).
  const handTest = doc.match(/printf '%s' '(\{.*\})' \\\n\s*\| OPENCLAW=echo sh examples\/notify\/openclaw-wake\.sh my-session/);
  assert.ok(handTest, 'hand-test example present');
  const echo = spawnSync('/bin/sh', [WAKE, 'my-session'], { input: handTest[1], encoding: 'utf8', env: { ...process.env, OPENCLAW: 'echo' } });
  assert.equal(echo.status, 0, echo.stderr);
  assert.equal(echo.stdout, `agent --session-id my-session --message jobctl job k3v9x0q2 exited with code 1 (4.2s). Details: jobctl status ${ID} --deliver\n`);
});

test('failures exit nonzero with a message, so jobctl records a failed delivery', (t) => {
  const ctx = setup(t);
  const input = JSON.stringify(event());
  const failing = notify(ctx, WAKE, ['s'], input, { env: { OPENCLAW_EXIT: '5' } });
  assert.equal(failing.code, 5, 'openclaw exit status passed on');
  assert.equal(failing.argv[0], 'agent');

  const nodeDir = dirname(process.execPath);
  const noOpenclaw = notify(ctx, WAKE, ['s'], input, { path: `${nodeDir}:/usr/bin:/bin` });
  assert.equal(noOpenclaw.code, 127);
  assert.match(noOpenclaw.stderr, /^openclaw-wake\.sh: openclaw not found \(PATH=.*\); set OPENCLAW to its path\n$/);
  const named = notify(ctx, MESSAGE, ['c', 't'], input, { path: `${nodeDir}:/usr/bin:/bin`, env: { OPENCLAW: join(ctx.bin, 'openclaw') } });
  assert.equal(named.code, 0, named.stderr);

  const empty = notify(ctx, WAKE, ['s'], '');
  assert.deepEqual([empty.code, empty.stderr], [1, 'openclaw-wake.sh: no event on stdin\n']);
  const garbage = notify(ctx, MESSAGE, ['c', 't'], 'not json');
  assert.equal(garbage.code, 1);
  assert.match(garbage.stderr, /openclaw-message\.sh: cannot read the event: not json\n$/);

  for (const [script, args] of [
    [WAKE, []],
    [WAKE, ['']],
    [WAKE, ['a', 'b']],
    [MESSAGE, ['c']],
    [MESSAGE, ['c', '']],
  ]) {
    const r = notify(ctx, script, args, input);
    assert.equal(r.code, 2, `${script} ${args}`);
    assert.match(r.stderr, /^usage: openclaw-(wake|message)\.sh (SESSION_ID|CHANNEL TARGET) {3}\(job\.finished event JSON on stdin\)\n$/);
  }
});

test('without node the scripts fall back to sed: id, state, exit code or signal', (t) => {
  const ctx = setup(t);
  const NAME = nameFor(ctx.dir);
  const which = (cmd) => ['/usr/bin', '/bin'].map((d) => join(d, cmd)).find((p) => existsSync(p));
  const bare = join(ctx.dir, 'bare');
  mkdirSync(bare);
  for (const cmd of ['cat', 'sed']) symlinkSync(which(cmd), join(bare, cmd));
  symlinkSync(join(ctx.bin, 'openclaw'), join(bare, 'openclaw'));
  const retried = event({
    state: 'killed',
    exit_code: undefined,
    signal: 'SIGKILL',
    name: NAME,
    attempt: 2,
    attempts: [{ attempt: 1, state: 'exited', exit_code: 3 }],
  });
  const cases = [
    [event({ exit_code: 3, name: NAME }), `jobctl job ${ID} exited with code 3. Details: jobctl status ${ID}`],
    [retried, `jobctl job ${ID} killed by SIGKILL. Details: jobctl status ${ID}`],
    [event({ state: 'lost', exit_code: undefined }), `jobctl job ${ID} lost. Details: jobctl status ${ID}`],
  ];
  for (const [e, text] of cases) {
    const r = notify(ctx, WAKE, ['s'], JSON.stringify(e), { path: bare });
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.argv, ['agent', '--session-id', 's', '--message', text, '--deliver']);
  }
  const garbage = notify(ctx, WAKE, ['s'], '{"not":"an event"}', { path: bare });
  assert.equal(garbage.code, 1);
  assert.match(garbage.stderr, /cannot read the event/);
});
