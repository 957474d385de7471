// The seed's executors in jobctl's config: `type = "local"` tables with labels, workdir, env and
// max_concurrent, labels on the built-in [executors.local], and `config import` of the seed's
// YAML config.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, runUntilRunning } from '../helpers/jobctl.mjs';

function seedToml(base) {
  const workdir = join(base, 'work');
  mkdirSync(workdir, { recursive: true });
  const text = `[executors.local]
labels = ["base"]

[executors.here]
type = "local"
labels = ["quick-tasks", "lightweight"]
workdir = "${workdir}"
env = { SEED_GREETING = "hello from here" }
max_concurrent = 1
`;
  const config = join(base, 'config.toml');
  writeFileSync(config, text);
  return { config, workdir };
}

const metaOf = (root, id) => JSON.parse(readFileSync(join(root, id, 'meta.json'), 'utf8'));
const stateOf = (root, id) => JSON.parse(readFileSync(join(root, id, 'state.json'), 'utf8'));

test('a type = "local" executor is picked by label and runs the job here, in its workdir with its env', async (t) => {
  const { base, root, run } = withRoot(t);
  const { config, workdir } = seedToml(base);
  const { json } = await run(['run', '--label', 'lightweight', '--', 'sh', '-c', 'pwd; echo "$SEED_GREETING"; echo "$HOME"'], { config, env: { HOME: base } });
  assert.equal(json.state, 'exited');
  assert.equal(json.exit_code, 0);
  // Local: jobctl's own environment is inherited (HOME), the executor's env laid over it.
  assert.equal(json.stdout_tail, `${workdir}\nhello from here\n${base}\n`);
  const status = (await run(['status', json.job_id], { config })).json;
  assert.equal(status.executor, 'here');
  assert.equal(status.cwd, workdir);
  // The local path: no remote definition recorded, no remote identity in the state.
  assert.equal(metaOf(root, json.job_id).executor_def, undefined);
  assert.equal(stateOf(root, json.job_id).remote, undefined);
  // --cwd beats the executor's workdir; --env beats its env.
  const own = await run(['run', '--executor', 'here', '--cwd', base, '--env', 'SEED_GREETING=mine', '--', 'sh', '-c', 'pwd; echo "$SEED_GREETING"'], { config });
  assert.equal(own.json.stdout_tail, `${base}\nmine\n`);
  // `list` scopes by the job's cwd: the workdir.
  assert.deepEqual((await run(['list', '--cwd', workdir], { config })).json.jobs.map((j) => j.job_id), [json.job_id]);
});

test('labels on the built-in [executors.local] select it; a label nobody has is executor_not_found', async (t) => {
  const { base, run } = withRoot(t);
  const { config } = seedToml(base);
  const { json } = await run(['run', '--label', 'base', '--cwd', base, '--', 'true'], { config });
  assert.equal(json.state, 'exited');
  assert.equal((await run(['status', json.job_id], { config })).json.executor, 'local');
  assert.equal((await run(['run', '--label', 'base', '--label', 'lightweight', '--', 'true'], { config })).json.error.code, 'executor_not_found');
  const listed = (await run(['executors'], { config })).json.executors;
  assert.deepEqual(listed.map((e) => [e.name, e.type, e.labels]), [['local', 'local', ['base']], ['here', 'local', ['quick-tasks', 'lightweight']]]);
  assert.equal(listed[1].max_concurrent, 1);
});

test('max_concurrent of a local-typed executor queues the second job until the first ends', async (t) => {
  const { base, root, run } = withRoot(t);
  const { config } = seedToml(base);
  const first = await runUntilRunning(run, ['--executor', 'here', '--', 'sleep', '60'], { config });
  const second = (await run(['run', '--executor', 'here', '--snapshot-after', '0', '--', 'true'], { config })).json;
  await waitFor(() => stateOf(root, second.job_id).waiting_for === 'executor here', { what: 'the second job to wait for executor here' });
  assert.equal((await run(['status', second.job_id], { config })).json.state, 'queued');
  // Another local executor is not held by this limit.
  assert.equal((await run(['run', '--cwd', base, '--', 'true'], { config })).json.state, 'exited');
  await run(['kill', first.job_id], { config });
  const done = (await run(['wait', '--timeout', '60s', second.job_id], { config })).json;
  assert.equal(done.state, 'exited');
  assert.equal(done.exit_code, 0);
});

test('a local-typed executor whose workdir is missing is a config_error; nothing is created', async (t) => {
  const { base, run } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, `[executors.here]\ntype = "local"\nworkdir = "${join(base, 'absent')}"\n`);
  const { json, code } = await run(['run', '--executor', 'here', '--', 'true'], { config });
  assert.equal(code, 1);
  assert.equal(json.error.code, 'config_error');
  assert.equal(json.error.details.executor, 'here');
  assert.deepEqual((await run(['list', '--all'], { config })).json.jobs, []);
  assert.ok(!existsSync(join(base, 'absent')));
});

test('a local-typed executor runs coding agents from its own agent paths', async (t) => {
  const { base, root, run } = withRoot(t);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[executors.here]\ntype = "local"\nlabels = ["agents"]\nclaude_path = "/opt/seed/bin/claude"\n');
  const { json } = await run(['create', '--label', 'agents', '--cwd', base, '--agent', 'claude', '--prompt', 'say hi'], { config });
  assert.equal(json.state, 'created');
  assert.equal(metaOf(root, json.job_id).argv[0], '/opt/seed/bin/claude');
  assert.equal(metaOf(root, json.job_id).executor_def, undefined);
});

const SEED_YAML = `executors:
  - name: local
    type: local
    labels: [quick-tasks, lightweight]
  - name: gpu-box
    type: ssh
    host: 10.0.0.5
    port: 22
    user: ubuntu
    claude_path: /usr/local/bin/claude
    labels: [gpu, heavy]
  - name: sandbox
    type: docker          # or container with runtime
    image: node:20
    runtime: docker
    volumes: ["/work:/work"]
    gpu_count: 2
defaults:
  max_turns: 20
  claude_path: claude
  webhook_url: https://example.invalid/hook
`;

test('config import: --dry-run shows the TOML, then it is written, loads, and selects by label', async (t) => {
  const { base, run } = withRoot(t);
  const yaml = join(base, 'openclaw.yaml');
  writeFileSync(yaml, SEED_YAML);
  const config = join(base, 'conf', 'config.toml');
  const dry = (await run(['config', 'import', yaml, '--dry-run'], { config })).json;
  assert.equal(dry.path, config);
  assert.equal(dry.dry_run, true);
  assert.equal(dry.written, false);
  assert.deepEqual(dry.executors, ['local', 'gpu-box', 'sandbox']);
  assert.deepEqual(dry.warnings, ['executors[2].gpu_count: no equivalent']);
  for (const line of ['[executors.local]', 'type = "ssh"', 'type = "container"', 'runtime = "docker"', 'max_turns = 20', 'webhook_url = "https://example.invalid/hook"']) {
    assert.ok(dry.config.includes(line), `dry-run TOML has ${line}:\n${dry.config}`);
  }
  assert.ok(!existsSync(config), 'a dry run writes nothing');

  const written = (await run(['config', 'import', yaml], { config })).json;
  assert.equal(written.written, true);
  assert.equal(written.config, undefined);
  assert.equal(readFileSync(config, 'utf8'), dry.config);
  const listed = (await run(['executors'], { config })).json.executors;
  assert.deepEqual(listed.map((e) => [e.name, e.type, e.labels]), [
    ['local', 'local', ['quick-tasks', 'lightweight']], ['gpu-box', 'ssh', ['gpu', 'heavy']], ['sandbox', 'container', []],
  ]);
  const show = (await run(['config', 'show'], { config })).json.config;
  assert.equal(show.executors['gpu-box'].agent_paths.claude, '/usr/local/bin/claude', 'an executor keeps its own path');
  assert.equal(show.executors.sandbox.agent_paths.claude, 'claude', 'defaults.claude_path fills the others');
  assert.equal(show.notify.webhook_url, 'https://example.invalid/hook');

  const quick = (await run(['run', '--label', 'lightweight', '--cwd', base, '--', 'echo', 'ran'], { config })).json;
  assert.equal(quick.state, 'exited');
  assert.equal(quick.stdout_tail, 'ran\n');
  assert.equal((await run(['status', quick.job_id], { config })).json.executor, 'local');
  // `create` defines without starting: --label gpu picks gpu-box, and nothing contacts it.
  const gpu = (await run(['create', '--label', 'gpu', '--', 'nvidia-smi'], { config })).json;
  assert.equal((await run(['status', gpu.job_id], { config })).json.executor, 'gpu-box');
});

test('config import never writes over a file without --force; --output writes elsewhere', async (t) => {
  const { base, run } = withRoot(t);
  const yaml = join(base, 'openclaw.yaml');
  writeFileSync(yaml, SEED_YAML);
  const config = join(base, 'config.toml');
  writeFileSync(config, '# mine\n');
  const refused = await run(['config', 'import', yaml], { config });
  assert.equal(refused.code, 1);
  assert.equal(refused.json.error.code, 'invalid_state');
  assert.equal(refused.json.error.details.path, config);
  assert.equal(readFileSync(config, 'utf8'), '# mine\n');
  const other = join(base, 'other.toml');
  assert.equal((await run(['config', 'import', yaml, '--output', other], { config })).json.path, other);
  assert.ok(readFileSync(other, 'utf8').includes('[executors.gpu-box]'));
  assert.equal(readFileSync(config, 'utf8'), '# mine\n');
  const forced = (await run(['config', 'import', yaml, '--force'], { config })).json;
  assert.equal(forced.written, true);
  assert.ok(readFileSync(config, 'utf8').includes('[executors.sandbox]'));
});

test('config import: bad YAML, a non-mapping, an unknown type or a bad value is a config_error with its line', async (t) => {
  const { base, run } = withRoot(t);
  const config = join(base, 'config.toml');
  const cases = [
    ['executors: [\n  - name: x\n', 2],
    ['- just\n- a list\n', undefined],
    ['executors:\n  - name: box\n    type: kubernetes\n', 3],
    ['executors:\n  - name: box\n    type: ssh\n    host: h\n    port: 99999\n', 5],
    ['executors:\n  - name: a\n    type: local\n  - name: a\n    type: local\n', 4],
  ];
  for (const [text, line] of cases) {
    const yaml = join(base, 'in.yaml');
    writeFileSync(yaml, text);
    const { json, code } = await run(['config', 'import', yaml], { config });
    assert.equal(code, 1, text);
    assert.equal(json.error.code, 'config_error', text);
    assert.equal(json.error.details.path, yaml, text);
    assert.equal(json.error.details.line, line, `${text}\n${json.error.message}`);
    assert.ok(!existsSync(config), 'nothing written');
  }
  const missing = await run(['config', 'import', join(base, 'absent.yaml')], { config });
  assert.equal(missing.json.error.code, 'config_error');
  const none = await run(['config', 'import'], { config });
  assert.equal(none.code, 2);
  assert.equal(none.json.error.code, 'usage_error');
});
