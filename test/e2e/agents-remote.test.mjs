// Agent jobs on remote executors: the same fake agent CLIs (POSIX sh) run over SSH, in docker and
// podman containers (mounted into the busybox image) and under Slurm; the prompt reaches them on
// stdin and the local supervisor parses what comes back.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, supervisorGone } from '../helpers/jobctl.mjs';
import { FAKE_AGENTS_DIR } from '../helpers/fake-agents.mjs';
import { sharedCopy } from '../helpers/daemon.mjs';
import { startSshd } from '../helpers/sshd.mjs';
import { startDocker, startPodman } from '../helpers/containers.mjs';
import { startSlurm } from '../helpers/slurm.mjs';

// The SSH test user, the containers and the Slurm jobs run a copy of the fakes that everyone can
// read, outside the checkout (which may be private: mode 0700).
const FAKES = sharedCopy(FAKE_AGENTS_DIR, 'jct-fakes-');
const fixtures = {};

before(async (t) => {
  fixtures.ssh = await startSshd(t);
  fixtures.docker = await startDocker(t);
  fixtures.podman = await startPodman(t);
  fixtures.slurm = await startSlurm(t);
});

/** Executor table and jobctl env for one kind; the fakes see `/fakes` (containers) or FAKES. */
function executor(kind, record) {
  const paths = (dir) => ['claude', 'codex'].map((a) => `${a}_path = "${join(dir, a)}"`).join('\n');
  const f = fixtures[kind];
  switch (kind) {
    case 'ssh':
      return { table: `type = "ssh"\nhost = "${f.host}"\nport = ${f.port}\nuser = "${f.user}"\nidentity_file = "${f.identityFile}"\nknown_hosts = "${f.knownHostsFile}"\n${paths(FAKES)}`, env: {}, record };
    case 'docker':
    case 'podman':
      return {
        table: `type = "container"\nruntime = "${f.runtime}"\nimage = "${f.image}"\nnetwork = "none"\nvolumes = ["${FAKES}:/fakes:ro", "${record}:/record"]\n${paths('/fakes')}`,
        env: f.env,
        record: '/record',
      };
    case 'slurm':
      return { table: `type = "slurm"\npartition = "${f.partition}"\n${paths(FAKES)}`, env: f.env, record };
  }
  throw new Error(kind);
}

function setup(t, kind) {
  if (fixtures[kind] === undefined) {
    t.skip(`${kind} missing (see the before hook)`);
    return undefined;
  }
  const ctx = withRoot(t);
  const record = join(ctx.base, 'record');
  mkdirSync(record);
  chmodSync(record, 0o777); // the SSH test user writes here too
  chmodSync(ctx.base, 0o755);
  const ex = executor(kind, record);
  const config = join(ctx.base, 'config.toml');
  writeFileSync(config, `[executors.remote]\n${ex.table}\n`);
  // The fakes keep their sessions in the test's own directory (whoever runs them), not in a fixed
  // path that outlives the test and belongs to whichever user made it first.
  const fakeEnv = ['--env', `FAKE_AGENT_LOG=${ex.record}`, '--env', `FAKE_AGENT_HOME=${ex.record}/home`, '--env', 'FAKE_AGENT_DELAY=0.02'];
  // From the test's directory: a Slurm job starts in the caller's, which must not be the checkout.
  const run = (args, opts = {}) => ctx.run(args, { config, env: ex.env, cwd: ctx.base, ...opts });
  return { ...ctx, run, record, fakeEnv };
}

for (const kind of ['ssh', 'docker', 'podman', 'slurm']) {
  test(`${kind}: a Claude job gets its prompt on stdin; status shows its activity and outcome`, async (t) => {
    const s = setup(t, kind);
    if (!s) return;
    const prompt = `scenario: success\nWork on ${kind}; keep 'quotes', $(subshells) and "double quotes".\n`;
    const { json } = await s.run(['run', '--executor', 'remote', ...s.fakeEnv, '--max-turns', '6', '--prompt', prompt, '--wait']);
    assert.equal(json.state, 'exited', JSON.stringify(json));
    assert.equal(json.exit_code, 0, json.stderr_tail);
    await supervisorGone(s.root, json.job_id);
    const status = (await s.run(['status', json.job_id])).json;
    assert.equal(status.payload, 'agent:claude');
    assert.equal(status.agent.outcome, 'success', JSON.stringify(status.agent));
    assert.ok(status.agent.turns >= 2 && status.agent.tool_calls >= 2);
    const prompts = readdirSync(s.record).filter((f) => f.startsWith('claude.') && f.endsWith('.prompt'));
    assert.equal(prompts.length, 1);
    assert.equal(readFileSync(join(s.record, prompts[0]), 'utf8'), prompt, 'the prompt arrived byte for byte');
    const event = JSON.parse(readFileSync(join(s.root, json.job_id, 'completion_event.json'), 'utf8'));
    assert.equal(event.agent.outcome, 'success');
    assert.equal(event.agent.session_id, status.agent.session_id);
  });
}

test('ssh: a remote codex past its turn limit is stopped by the local supervisor', async (t) => {
  const s = setup(t, 'ssh');
  if (!s) return;
  const { json } = await s.run(['run', '--executor', 'remote', '--agent', 'codex', ...s.fakeEnv, '--max-turns', '2', '--prompt', 'scenario: max_turns', '--wait']);
  assert.equal(json.kill_reason, 'max_turns', JSON.stringify(json));
  assert.equal(json.agent.outcome, 'max_turns');
  assert.ok(json.agent.turns >= 3);
});
