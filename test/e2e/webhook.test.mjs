import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withRoot, waitFor, supervisorGone } from '../helpers/jobctl.mjs';

/** A real HTTP server on loopback; `answer(n)` decides the n-th request's status (or null: hang). */
async function receiver(t, answer) {
  const requests = [];
  const hanging = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      requests.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const status = answer(requests.length);
      if (status === null) return hanging.push(res);
      res.writeHead(status).end('');
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    hanging.forEach((res) => res.destroy());
    server.closeAllConnections();
    server.close();
  });
  return { url: `http://127.0.0.1:${server.address().port}/hook`, requests };
}

const completion = (root, id) => {
  const path = join(root, id, 'completion_event.json');
  return existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : undefined;
};

test('a webhook gets the job.finished event, signed with the configured secret', async (t) => {
  const { run, root, base } = withRoot(t);
  const hook = await receiver(t, () => 204);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[notify]\nwebhook_secret = "s3cret-key"\n');
  const { json } = await run(['run', '--wait', '--notify-webhook', hook.url, '--', 'sh', '-c', 'exit 2'], { config });
  await supervisorGone(root, json.job_id);
  assert.equal(hook.requests.length, 1);
  const [req] = hook.requests;
  const event = JSON.parse(req.body);
  assert.equal(event.event_type, 'job.finished');
  assert.equal(event.exit_code, 2);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.equal(req.headers['x-jobctl-event'], 'job.finished');
  assert.equal(req.headers['x-jobctl-signature'], `sha256=${createHmac('sha256', 's3cret-key').update(req.body).digest('hex')}`);
  const record = completion(root, json.job_id);
  assert.deepEqual(record.delivery_results.map((r) => [r.sink, r.ok, r.status]), [['webhook', true, 204]]);
  const shown = await run(['config', 'show'], { config });
  assert.equal(shown.json.config.notify.webhook_secret, '***');
});

test('a webhook failing twice with 5xx is retried and then succeeds; every attempt is recorded', async (t) => {
  const { run, root, base } = withRoot(t);
  const hook = await receiver(t, (n) => (n <= 2 ? 503 : 200));
  const config = join(base, 'config.toml');
  writeFileSync(config, `[notify]\nwebhook_url = "${hook.url}"\nwebhook_attempts = 3\n`);
  const { json } = await run(['run', '--wait', '--', 'true'], { config });
  const record = await waitFor(() => { const c = completion(root, json.job_id); return c?.delivery_results.length === 3 ? c : undefined; }, { what: 'three attempts' });
  assert.deepEqual(record.delivery_results.map((r) => [r.ok, r.status]), [[false, 503], [false, 503], [true, 200]]);
  assert.equal(hook.requests.length, 3);
});

test('a 4xx is not retried; a webhook that never answers times out; the state never changes', async (t) => {
  const { run, root, base } = withRoot(t);
  const refusing = await receiver(t, () => 404);
  const silent = await receiver(t, () => null);
  const config = join(base, 'config.toml');
  writeFileSync(config, '[notify]\nwebhook_timeout = "300ms"\nwebhook_attempts = 2\n');
  const a = await run(['run', '--wait', '--notify-webhook', refusing.url, '--', 'true'], { config });
  const b = await run(['run', '--wait', '--notify-webhook', silent.url, '--', 'true'], { config });
  assert.equal(b.json.state, 'exited', 'the terminal state does not wait for the webhook');
  await supervisorGone(root, a.json.job_id);
  await supervisorGone(root, b.json.job_id);
  assert.deepEqual(completion(root, a.json.job_id).delivery_results.map((r) => [r.ok, r.status]), [[false, 404]]);
  const timedOut = completion(root, b.json.job_id).delivery_results;
  assert.equal(timedOut.length, 2);
  assert.ok(timedOut.every((r) => !r.ok && /timed out after 300ms/.test(r.error)), JSON.stringify(timedOut));
  assert.equal((await run(['status', b.json.job_id])).json.state, 'exited');
});

test('notify set --webhook and bad webhook URLs', async (t) => {
  const { run, base } = withRoot(t);
  const { json } = await run(['create', '--', 'true']);
  const set = await run(['notify', 'set', json.job_id, '--webhook', 'https://hooks.invalid/x']);
  assert.equal(set.json.notification.notify_webhook, 'https://hooks.invalid/x');
  assert.equal((await run(['run', '--notify-webhook', 'ftp://x/y', '--', 'true'])).json.error.code, 'usage_error');
  assert.equal((await run(['notify', 'set', json.job_id, '--webhook', 'not a url'])).json.error.code, 'usage_error');
  const config = join(base, 'bad.toml');
  writeFileSync(config, '[notify]\nwebhook_url = "file:///etc/passwd"\n');
  assert.equal((await run(['config', 'show'], { config })).json.error.code, 'config_error');
});
