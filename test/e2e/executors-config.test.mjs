// Executor configuration and selection: no executor needs to be reachable for these.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot } from '../helpers/jobctl.mjs';

const CONFIG = `[defaults]
executor = "local"

[executors.crib]
type = "ssh"
host = "127.0.0.1"
port = 1
user = "nobody"
workdir = "~/work"
connect_timeout = 2
labels = ["rust", "heavy-compute"]
env = { TOKEN = "s3cret-value" }

[executors.builder]
type = "container"
runtime = "podman"
image = "jobctl-test/absent:latest"
network = "none"
labels = ["isolated"]

[executors.cluster]
type = "slurm"
partition = "debug"
sbatch_args = ["--cpus-per-task=1"]
labels = ["gpu", "heavy-compute"]
`;

function setup(t, text = CONFIG) {
  const ctx = withRoot(t);
  const config = join(ctx.base, 'config.toml');
  writeFileSync(config, text);
  return { ...ctx, config };
}

test('executors lists every executor with its type, labels and target; local is built in', async (t) => {
  const { run, config } = setup(t);
  const { json } = await run(['executors'], { config });
  assert.equal(json.default, 'local');
  assert.equal(json.probed, false);
  assert.deepEqual(json.executors.map((e) => [e.name, e.type, e.default]), [
    ['local', 'local', true], ['crib', 'ssh', false], ['builder', 'container', false], ['cluster', 'slurm', false],
  ]);
  const crib = json.executors.find((e) => e.name === 'crib');
  assert.deepEqual([crib.host, crib.port, crib.user, crib.labels], ['127.0.0.1', 1, 'nobody', ['rust', 'heavy-compute']]);
  assert.equal(json.executors.find((e) => e.name === 'builder').image, 'jobctl-test/absent:latest');
  assert.equal(json.executors.find((e) => e.name === 'cluster').partition, 'debug');
  assert.ok(!JSON.stringify(json).includes('s3cret-value'), 'executor env values are not listed');
});

test('config show masks executor env values; the starter config documents every executor key', async (t) => {
  const { run, config, base } = setup(t);
  const show = await run(['config', 'show'], { config });
  assert.equal(show.json.config.executors.crib.env.TOKEN, '***');
  assert.ok(!JSON.stringify(show.json).includes('s3cret-value'));
  const starter = join(base, 'starter.toml');
  assert.equal((await run(['config', 'init', '--config', starter])).json.written, true);
  const text = readFileSync(starter, 'utf8');
  for (const key of ['type = "ssh"', 'identity_file', 'known_hosts', 'type = "container"', 'runtime', 'volumes', 'network', 'type = "slurm"', 'partition', 'sbatch_args', 'executor = "local"']) {
    assert.ok(text.includes(key), `starter config mentions ${key}`);
  }
  // The starter is valid as written: nothing in it points at a host that does not exist.
  assert.deepEqual((await run(['executors'], { config: starter })).json.executors.map((e) => e.name), ['local']);
});

test('an executor is picked by name or by labels; unknown ones are executor_not_found', async (t) => {
  const { run, config } = setup(t);
  const unknown = await run(['run', '--executor', 'nope', '--', 'true'], { config });
  assert.equal(unknown.code, 1);
  assert.equal(unknown.json.error.code, 'executor_not_found');
  assert.deepEqual(unknown.json.error.details.known, ['local', 'crib', 'builder', 'cluster']);
  assert.equal((await run(['run', '--label', 'no-such-label', '--', 'true'], { config })).json.error.code, 'executor_not_found');
  assert.equal((await run(['create', '--executor', 'crib', '--label', 'gpu', '--', 'true'], { config })).json.error.code, 'executor_not_found');
  // First executor carrying all labels, in config order.
  const byLabel = await run(['create', '--label', 'heavy-compute', '--', 'true'], { config });
  assert.equal((await run(['status', byLabel.json.job_id], { config })).json.executor, 'crib');
  const both = await run(['create', '--label', 'heavy-compute', '--label', 'gpu', '--', 'true'], { config });
  assert.equal((await run(['status', both.json.job_id], { config })).json.executor, 'cluster');
  const plain = await run(['create', '--', 'true'], { config });
  assert.equal((await run(['status', plain.json.job_id], { config })).json.executor, 'local');
  // list --executor filters on the recorded executor.
  const listed = await run(['list', '--executor', 'crib'], { config });
  assert.deepEqual(listed.json.jobs.map((j) => j.job_id), [byLabel.json.job_id]);
  const two = await run(['list', '--executor', 'crib', '--executor', 'local'], { config });
  assert.deepEqual(two.json.jobs.map((j) => j.job_id).sort(), [byLabel.json.job_id, plain.json.job_id].sort());
});

test('[defaults] executor applies when nothing is asked for', async (t) => {
  const { run, config } = setup(t, CONFIG.replace('executor = "local"', 'executor = "cluster"'));
  const created = await run(['create', '--', 'true'], { config });
  assert.equal((await run(['status', created.json.job_id], { config })).json.executor, 'cluster');
  assert.equal((await run(['executors'], { config })).json.default, 'cluster');
});

test('config errors in executor tables name the file, the line and the key', async (t) => {
  const { run, config } = setup(t);
  const cases = [
    ['[executors.a]\ntype = "ssh"\nport = 22\n', 'executors.a.host', 1],
    ['[executors.a]\ntype = "ssh"\nhost = "h"\nprot = 22\n', 'executors.a.prot', 4],
    ['[executors.a]\ntype = "ssh"\nhost = "-oProxyCommand=x"\n', 'executors.a.host', 3],
    ['[executors.a]\ntype = "ssh"\nhost = "h"\nport = 70000\n', 'executors.a.port', 4],
    ['[executors.a]\ntype = "container"\nruntime = "lxc"\nimage = "i"\n', 'executors.a.runtime', 3],
    ['[executors.a]\ntype = "container"\n', 'executors.a.image', 1],
    ['[executors.a]\ntype = "slurm"\nsbatch_args = ["debug"]\n', 'executors.a.sbatch_args', 3],
    ['[executors.a]\ntype = "kubernetes"\n', 'executors.a.type', 2],
    ['[executors.a]\ntype = "ssh"\nhost = "h"\nlabels = ["bad label"]\n', 'executors.a.labels', 4],
    ['[executors.a]\ntype = "ssh"\nhost = "h"\nenv = { "1BAD" = "x" }\n', 'executors.a.env', 4],
    ['[executors.local]\ntype = "ssh"\nhost = "h"\n', 'executors.local.type', 2],
    ['[executors.here]\ntype = "local"\nworkdir = "relative"\n', 'executors.here.workdir', 3],
    ['[executors.here]\ntype = "local"\nhost = "h"\n', 'executors.here.host', 3],
    ['[executors.here]\nlabels = ["x"]\n', 'executors.here.type', 1],
    ['[defaults]\nexecutor = "nowhere"\n', 'defaults.executor', 2],
  ];
  for (const [text, key, line] of cases) {
    writeFileSync(config, text);
    const { json, code } = await run(['executors'], { config });
    assert.equal(code, 1, text);
    assert.equal(json.error.code, 'config_error', text);
    assert.equal(json.error.details.key, key, text);
    assert.equal(json.error.details.line, line, text);
    assert.equal(json.error.details.path, config);
    assert.ok(json.error.message.startsWith(`${config}:${line}: ${key}`), json.error.message);
  }
});

test('resource limits and a remote --cwd are validated before anything is created', async (t) => {
  const { run, config, root } = setup(t);
  assert.equal((await run(['run', '--memory-limit', '64M', '--', 'true'], { config })).json.error.code, 'usage_error');
  assert.equal((await run(['run', '--executor', 'crib', '--cpu-limit', '2', '--', 'true'], { config })).json.error.code, 'usage_error');
  assert.equal((await run(['run', '--executor', 'builder', '--memory-limit', 'lots', '--', 'true'], { config })).json.error.code, 'usage_error');
  assert.equal((await run(['run', '--executor', 'builder', '--cpu-limit', '-1', '--', 'true'], { config })).json.error.code, 'usage_error');
  assert.equal((await run(['run', '--executor', 'crib', '--cwd', 'relative/dir', '--', 'true'], { config })).json.error.code, 'usage_error');
  assert.deepEqual((await run(['list', '--all'], { config })).json.jobs, [], `nothing created in ${root}`);
});

test('an unreachable SSH host fails the job with the reason, without hanging', async (t) => {
  const { run, config } = setup(t);
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  const { json } = await run(['run', '--executor', 'crib', '--wait', '--', 'echo', 'hi'], { config });
  assert.equal(json.state, 'failed');
  assert.equal(json.error.code, 'executor_unavailable');
  assert.match(json.error.message, /127\.0\.0\.1/);
  assert.equal(json.exit_code, undefined, 'no exit code nobody saw');
  const probe = await run(['executors', '--probe'], { config });
  const crib = probe.json.executors.find((e) => e.name === 'crib');
  assert.equal(crib.available, false);
  assert.match(crib.reason, /refused|connect/i);
  assert.equal(probe.json.executors.find((e) => e.name === 'local').available, true);
});
