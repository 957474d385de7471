// Cloud executors with provider = "hetzner", against a loopback stand-in for the Hetzner Cloud
// API (test/helpers/hetzner-fake.mjs) whose servers boot onto a network-namespace host with a
// real sshd: jobs run over real SSH; the API's errors are the real ones' shapes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor } from '../helpers/jobctl.mjs';
import { startNetnsHost } from '../helpers/netns.mjs';
import { startSshd } from '../helpers/sshd.mjs';
import { startHetznerFake } from '../helpers/hetzner-fake.mjs';

const TOKEN = 'test-token-' + process.pid;
let sshd;
let api;
before(async (t) => {
  const netns = await startNetnsHost(t);
  if (!netns) return;
  sshd = await startSshd(t, { netns });
  if (sshd) api = await startHetznerFake({ token: TOKEN, address: sshd.host });
});
after(() => api?.close());

function setup(t, extra = '') {
  if (api === undefined) {
    t.skip('netns or ssh missing (see the before hook)');
    return undefined;
  }
  Object.assign(api.behaviour, { unauthorized: false, quota: false, failNext: 0, neverIp: false, loseCreateAnswer: 0, failLabelLookups: 0, lingerAfterDelete: 0 });
  const ctx = withRoot(t);
  const config = join(ctx.base, 'config.toml');
  writeFileSync(config, `[executors.hz]
type = "cloud"
provider = "hetzner"
token_env = "HZ_TEST_TOKEN"
api_url = "${api.url}"
server_type = "cx22"
image = "debian-12"
location = "fsn1"
ssh_keys = ["ci-key"]
server_labels = { team = "build" }
per_job = true
port = ${sshd.port}
user = "${sshd.user}"
identity_file = "${sshd.identityFile}"
boot_timeout = "20s"
${extra}
`);
  const run = (args, opts = {}) => ctx.run(args, { config, env: { HZ_TEST_TOKEN: TOKEN }, ...opts });
  return { ...ctx, config, run };
}

const posts = () => api.requests.filter((r) => r.method === 'POST');

test('hetzner: a server is created, waited for until running and SSH answers, used and deleted', async (t) => {
  const s = setup(t);
  if (!s) return;
  const events = join(s.base, 'events.ndjson');
  const before = posts().length;
  const job = (await s.run(['run', '--executor', 'hz', '--notify-file', events, '--wait', '--', 'sh', '-c', 'echo built; echo warn >&2'])).json;
  assert.equal(job.state, 'exited');
  assert.equal(readFileSync(job.stdout_log_path, 'utf8'), 'built\n');
  assert.equal(readFileSync(job.stderr_log_path, 'utf8'), 'warn\n');
  const create = posts()[before];
  assert.equal(create.path, '/v1/servers');
  assert.equal(create.body.server_type, 'cx22');
  assert.equal(create.body.image, 'debian-12');
  assert.equal(create.body.location, 'fsn1');
  assert.deepEqual(create.body.ssh_keys, ['ci-key']);
  assert.equal(create.body.labels.team, 'build');
  assert.equal(create.body.labels['jobctl-executor'], 'hz');
  const status = (await s.run(['status', job.job_id])).json;
  assert.equal(status.remote.instance, create.body.name);
  assert.equal(create.body.labels['jobctl-instance'], create.body.name);
  assert.match(status.remote.instance_id, /^\d+$/);
  // per_job: deleted when the job ended.
  await waitFor(() => api.servers.size === 0, { what: 'the server to be deleted' });
  assert.ok(api.requests.some((r) => r.method === 'DELETE' && r.path === `/v1/servers/${status.remote.instance_id}`));
  const finished = await waitFor(() => {
    try { return JSON.parse(readFileSync(events, 'utf8').trim().split('\n')[0]); } catch { return undefined; }
  }, { what: 'job.finished' });
  assert.equal(finished.instance, create.body.name);
  assert.equal(typeof finished.cost, 'number');
});

test('hetzner: a refused token (401) fails the job with executor_unavailable naming it', async (t) => {
  const s = setup(t);
  if (!s) return;
  api.behaviour.unauthorized = true;
  const job = (await s.run(['run', '--executor', 'hz', '--wait', '--', 'true'])).json;
  assert.equal(job.state, 'failed');
  const status = (await s.run(['status', job.job_id])).json;
  assert.equal(status.error.code, 'executor_unavailable');
  assert.match(status.error.message, /401 unauthorized.*HZ_TEST_TOKEN/);
  assert.equal(api.servers.size, 0);
});

test('hetzner: a quota refusal (422) fails the job with the API message', async (t) => {
  const s = setup(t);
  if (!s) return;
  api.behaviour.quota = true;
  const job = (await s.run(['run', '--executor', 'hz', '--wait', '--', 'true'])).json;
  const status = (await s.run(['status', job.job_id])).json;
  assert.equal(status.state, 'failed');
  assert.equal(status.error.code, 'executor_unavailable');
  assert.match(status.error.message, /422 resource_limit_exceeded: server limit reached for this project/);
  assert.equal(api.servers.size, 0);
});

test('hetzner: 5xx answers are retried with backoff (a refused create only after a look-up by its label found nothing) and the job runs', async (t) => {
  const s = setup(t);
  if (!s) return;
  api.behaviour.failNext = 2;
  const before = api.requests.length;
  const job = (await s.run(['run', '--executor', 'hz', '--wait', '--', 'echo', 'ok'])).json;
  assert.equal(job.state, 'exited');
  assert.equal(readFileSync(job.stdout_log_path, 'utf8'), 'ok\n');
  const after = api.requests.slice(before);
  assert.equal(after.filter((r) => r.method === 'POST').length, 2, 'the refused create was sent again, once');
  const postAt = after.findIndex((r) => r.method === 'POST');
  assert.ok(after.slice(postAt + 1).findIndex((r) => r.method === 'GET' && r.query.startsWith('?label_selector=')) < after.slice(postAt + 1).findIndex((r) => r.method === 'POST'), 'looked up by its label before it was sent again');
  await waitFor(() => api.servers.size === 0, { what: 'the server to be deleted' });
});

test('hetzner: a server that never gets an IP fails the job after the boot timeout and is deleted', async (t) => {
  const s = setup(t, '');
  if (!s) return;
  writeFileSync(s.config, readFileSync(s.config, 'utf8').replace('boot_timeout = "20s"', 'boot_timeout = "3s"'));
  api.behaviour.neverIp = true;
  const job = (await s.run(['run', '--executor', 'hz', '--wait', '--', 'true'])).json;
  const status = (await s.run(['status', job.job_id])).json;
  assert.equal(status.state, 'failed');
  assert.equal(status.error.code, 'executor_unavailable');
  assert.match(status.error.message, /not running with a public IPv4 within the boot timeout/);
  await waitFor(() => api.servers.size === 0, { what: 'the server without an IP to be deleted' });
  const listed = (await s.run(['executors'])).json.executors.find((e) => e.name === 'hz');
  assert.deepEqual(listed.instances, []);
});

test('hetzner: a supervisor SIGKILLed before the server had an address: the server is found by its label and deleted', async (t) => {
  const s = setup(t);
  if (!s) return;
  api.behaviour.neverIp = true;
  const job = (await s.run(['run', '--executor', 'hz', '--snapshot-after', '0', '--', 'true'])).json;
  await waitFor(() => api.servers.size === 1, { timeoutMs: 30_000, what: 'the server to be created' });
  const [server] = [...api.servers.values()];
  const state = JSON.parse(readFileSync(join(s.root, job.job_id, 'state.json'), 'utf8'));
  process.kill(state.supervisor_pid, 'SIGKILL');
  await waitFor(() => { try { process.kill(state.supervisor_pid, 0); return false; } catch { return true; } }, { what: 'the supervisor to die' });
  // The reaper (started when the record was made) may get there before the next command.
  const before = api.requests.findIndex((r) => r.method === 'POST' && r.body?.name === server.name);
  const ended = (await s.run(['wait', job.job_id, '--timeout', '60s'])).json;
  assert.equal(ended.state, 'failed');
  await waitFor(() => api.servers.size === 0, { what: 'the orphan server to be deleted' });
  const after = api.requests.slice(before);
  assert.ok(after.some((r) => r.method === 'GET' && r.query === `?label_selector=${encodeURIComponent(`jobctl-instance=${server.name}`)}`), 'looked up by its label');
  assert.ok(after.some((r) => r.method === 'DELETE' && r.path === `/v1/servers/${server.id}`));
});

test('hetzner: a create whose answer is lost is found by its label and used; no second create, nothing leaked', async (t) => {
  const s = setup(t);
  if (!s) return;
  api.behaviour.loseCreateAnswer = 1;
  const before = api.requests.length;
  const job = (await s.run(['run', '--executor', 'hz', '--wait', '--', 'echo', 'ok'])).json;
  assert.equal(job.state, 'exited', JSON.stringify(job));
  assert.equal(readFileSync(job.stdout_log_path, 'utf8'), 'ok\n');
  const after = api.requests.slice(before);
  assert.equal(after.filter((r) => r.method === 'POST').length, 1, 'the create was not sent again');
  const name = after.find((r) => r.method === 'POST').body.name;
  assert.ok(after.some((r) => r.method === 'GET' && r.query === `?label_selector=${encodeURIComponent(`jobctl-instance=${name}`)}`), 'looked up by its label');
  await waitFor(() => api.servers.size === 0, { what: 'the server to be deleted' });
});

test('hetzner: a create whose answer is lost while the look-up fails too: the server is destroyed by name, not forgotten', async (t) => {
  const s = setup(t);
  if (!s) return;
  api.behaviour.loseCreateAnswer = 1;
  // The look-up after the lost answer is refused every time (5 × 503): jobctl cannot know, so it may exist.
  api.behaviour.failLabelLookups = 5;
  const job = (await s.run(['run', '--executor', 'hz', '--wait', '--', 'true'])).json;
  assert.equal(job.state, 'failed');
  const status = (await s.run(['status', job.job_id])).json;
  assert.equal(status.error.code, 'executor_unavailable');
  await waitFor(() => api.servers.size === 0, { timeoutMs: 60_000, what: 'the server made by the lost create to be deleted' });
  await waitFor(async () => (await s.run(['executors'])).json.executors.find((e) => e.name === 'hz').instances.length === 0, { timeoutMs: 60_000, what: 'the record to go' });
});

test('hetzner: a server answered 200 to its DELETE is watched until it is gone before its record goes', async (t) => {
  const s = setup(t);
  if (!s) return;
  api.behaviour.lingerAfterDelete = 2;
  const job = (await s.run(['run', '--executor', 'hz', '--wait', '--', 'true'])).json;
  assert.equal(job.state, 'exited');
  const id = (await s.run(['status', job.job_id])).json.remote.instance_id;
  await waitFor(async () => (await s.run(['executors'])).json.executors.find((e) => e.name === 'hz').instances.length === 0, { timeoutMs: 30_000, what: 'the record to go' });
  assert.equal(api.servers.size, 0, 'the record went only once the API said 404');
  const gets = api.requests.filter((r) => r.method === 'GET' && r.path === `/v1/servers/${id}`);
  assert.ok(gets.length >= 3, 'looked at after the DELETE');
});
