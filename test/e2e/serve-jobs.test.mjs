// Jobs over `jobctl serve`: a job submitted over HTTP is the one the CLI shows; kill, restart,
// delete, tail and a bounded wait over HTTP; 1,000 requests from 20 concurrent clients without
// an error; the server SIGKILLed and restarted while a job runs (the job is unaffected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobctl, withRoot, waitFor, assertMatchesSchema } from '../helpers/jobctl.mjs';
import { startServe } from '../helpers/serve.mjs';

test('a job submitted over HTTP is the one list and status show; tail, wait (bounded), kill, restart, delete over HTTP', async (t) => {
  const { base, root } = withRoot(t);
  const server = await startServe(t, root, { args: ['--max-wait', '1s'] });
  const ran = await server.request('POST', '/v1/jobs', { body: { command: ['sh', '-c', 'echo hi; echo oops >&2'], tags: ['http', 'ci'], name: 'over-http', snapshot_after: '10s' } });
  assert.equal(ran.status, 201, ran.text);
  assertMatchesSchema('run', ran.json);
  assert.equal(ran.json.state, 'exited');
  assert.equal(ran.json.stdout_tail, 'hi\n');
  const id = ran.json.job_id;

  const listed = await jobctl(['list', '--tag', 'http'], { root, cwd: base });
  assert.deepEqual(listed.json.jobs.map((j) => j.job_id), [id], 'the CLI lists the job (its cwd is the server\'s)');
  const cliStatus = (await jobctl(['status', id], { root })).json;
  const httpStatus = await server.request('GET', `/v1/jobs/${id}`);
  assert.equal(httpStatus.status, 200);
  assertMatchesSchema('status', httpStatus.json);
  for (const key of ['job_id', 'state', 'exit_code', 'name', 'tags', 'command', 'cwd', 'finished_at']) assert.deepEqual(httpStatus.json[key], cliStatus[key], key);
  const byPrefix = await server.request('GET', `/v1/jobs/${id.slice(0, 8)}`);
  assert.equal(byPrefix.json.job_id, id, 'a unique prefix is enough');

  const httpList = await server.request('GET', '/v1/jobs?tags=http&tags=ci&state=exited');
  assert.deepEqual(httpList.json.jobs.map((j) => j.job_id), [id]);
  assert.equal((await server.request('GET', '/v1/jobs?tags=other&all=true')).json.count, 0);

  const tail = await server.request('GET', `/v1/jobs/${id}/tail?tail_lines=1`);
  assert.equal(tail.status, 200);
  assert.equal(tail.json.stdout_tail, 'hi\n');
  assert.equal(tail.json.stderr_tail, 'oops\n');

  const slow = await server.request('POST', '/v1/jobs', { body: { command: 'sleep 30', snapshot_after: '0' } });
  assert.equal(slow.status, 201);
  const slowId = slow.json.job_id;
  const bounded = await server.request('GET', `/v1/jobs/${slowId}/wait?timeout=10m`);
  assert.equal(bounded.status, 200);
  assert.equal(bounded.json.wait_timed_out, true, 'the wait is cut at the server\'s bound');
  assert.equal(bounded.json.wait_clamped_to_ms, 1000);
  const runWait = await server.request('POST', '/v1/jobs', { body: { command: 'sleep 30', wait: true } });
  assert.equal(runWait.json.wait_clamped_to_ms, 1000, 'run with wait:true is bounded too');
  assert.equal(runWait.json.wait_timed_out, true);
  assert.equal((await server.request('DELETE', `/v1/jobs/${slowId}`)).json.error.code, 'invalid_state');
  assert.equal((await server.request('DELETE', `/v1/jobs/${slowId}`)).status, 409);

  const killed = await server.request('POST', `/v1/jobs/${slowId}/kill`, { body: { signal: 'KILL', grace: '0' } });
  assert.equal(killed.status, 200, killed.text);
  assert.equal(killed.json.state, 'killed');
  const graceOverBound = await server.request('POST', `/v1/jobs/${runWait.json.job_id}/kill`);
  assert.equal(graceOverBound.status, 400, 'the default grace (5s) would block past the 1s bound');
  assert.match(graceOverBound.json.error.message, /5s \(the default\)/);
  assert.equal((await server.request('POST', `/v1/jobs/${runWait.json.job_id}/kill`, { body: { grace: '500ms' } })).json.state, 'killed');
  assert.equal((await jobctl(['status', slowId], { root })).json.state, 'killed');

  const restarted = await server.request('POST', `/v1/jobs/${id}/restart`);
  assert.equal(restarted.status, 200, restarted.text);
  assert.equal(restarted.json.job_id, id);
  await waitFor(async () => (await server.request('GET', `/v1/jobs/${id}`)).json.state === 'exited', { what: 'the restarted job to end' });
  assert.equal((await jobctl(['status', id], { root })).json.attempt, 2);

  await waitFor(async () => (await server.request('DELETE', `/v1/jobs/${id}`)).status === 200, { what: 'the delete of a finished job' });
  assert.equal((await server.request('GET', `/v1/jobs/${id}`)).status, 404);
  assert.equal((await jobctl(['status', id], { root })).json.error.code, 'job_not_found');

  const stats = await server.request('GET', '/v1/stats');
  assertMatchesSchema('stats', stats.json);
  assert.equal(stats.json.by_state.killed, 2);
  const queue = await server.request('GET', '/v1/queue');
  assertMatchesSchema('queue', queue.json);
});

test('1,000 requests from 20 concurrent clients (submits, status, list, events): no error, every job ends with its events complete and in cursor order', async (t) => {
  const { root } = withRoot(t);
  const server = await startServe(t, root);
  const submitted = [];
  const problems = [];
  let next = 0;
  const TOTAL = 1000;
  async function client() {
    for (;;) {
      const n = next++;
      if (n >= TOTAL) return;
      let res;
      if (n % 5 === 0) {
        res = await server.request('POST', '/v1/jobs', { body: { command: ['true'], snapshot_after: '0', tags: ['load'] } });
        if (res.status === 201) submitted.push(res.json.job_id);
      } else if (n % 5 === 1) {
        const id = submitted[n % Math.max(1, submitted.length)];
        res = id === undefined ? await server.request('GET', '/v1/stats') : await server.request('GET', `/v1/jobs/${id}`);
      } else if (n % 5 === 2) {
        const id = submitted[n % Math.max(1, submitted.length)];
        res = await server.request('GET', id === undefined ? '/v1/events?limit=50' : `/v1/events?job=${id}`);
      } else {
        res = await server.request('GET', '/v1/jobs?all=true&limit=20');
      }
      if (res.status >= 300 || res.json?.ok !== true) problems.push(`${n}: ${res.status} ${res.text.slice(0, 200)}`);
    }
  }
  await Promise.all(Array.from({ length: 20 }, client));
  assert.deepEqual(problems, []);
  assert.equal(submitted.length, TOTAL / 5);
  const listed = await waitFor(async () => {
    const { json } = await jobctl(['list', '--all', '--tag', 'load', '--limit', '1000'], { root });
    return json.jobs.every((j) => j.state === 'exited') && json;
  }, { timeoutMs: 120000, what: 'every submitted job to end' });
  assert.deepEqual(listed.jobs.map((j) => j.job_id).sort(), [...submitted].sort());
  assert.ok(listed.jobs.every((j) => j.exit_code === 0));
  const { json } = await server.request('GET', '/v1/events?limit=10000');
  assert.ok(json.events.length < 10000, 'one page holds the whole log');
  const cursors = json.events.map((e) => e.cursor);
  assert.deepEqual(cursors, [...cursors].sort((a, b) => a - b), 'the log comes in cursor order');
  assert.equal(new Set(cursors).size, cursors.length, 'no cursor twice');
  const byJob = new Map(submitted.map((id) => [id, []]));
  for (const e of json.events) byJob.get(e.job_id)?.push(e.event_type);
  for (const [id, types] of byJob) assert.deepEqual(types, ['job.created', 'job.queued', 'job.started', 'job.finished'], `the events of ${id}`);
});

test('the server SIGKILLed and restarted while a job runs: the job runs on and exits normally', async (t) => {
  const { root } = withRoot(t);
  const first = await startServe(t, root);
  const ran = await first.request('POST', '/v1/jobs', { body: { command: ['sh', '-c', 'sleep 2; echo done'], snapshot_after: '0' } });
  const id = ran.json.job_id;
  await waitFor(async () => (await first.request('GET', `/v1/jobs/${id}`)).json.state === 'running', { what: 'the job to run' });
  assert.equal((await first.stop('SIGKILL')).signal, 'SIGKILL');
  assert.equal((await jobctl(['status', id], { root })).json.state, 'running', 'the job outlives the server');
  const second = await startServe(t, root);
  assert.equal(second.token, first.token);
  const waited = await second.request('GET', `/v1/jobs/${id}/wait?timeout=30s`);
  assert.equal(waited.json.state, 'exited');
  assert.equal(waited.json.exit_code, 0);
  assert.equal(waited.json.stdout_tail, 'done\n');
});

test('SIGTERM while a POST /v1/jobs is in flight: the launch is answered, then the server exits 0', async (t) => {
  const { root } = withRoot(t);
  const server = await startServe(t, root);
  const pending = server.request('POST', '/v1/jobs', { body: { command: ['sh', '-c', 'sleep 1; echo launched'], snapshot_after: '20s' } });
  await waitFor(async () => (await jobctl(['list', '--all'], { root })).json.count === 1, { what: 'the job to be created' });
  server.proc.kill('SIGTERM');
  const answer = await pending;
  assert.equal(answer.status, 201, answer.text);
  assert.equal(answer.json.state, 'exited');
  assert.equal(answer.json.stdout_tail, 'launched\n');
  assert.deepEqual(await server.exited, { code: 0, signal: null });
});
