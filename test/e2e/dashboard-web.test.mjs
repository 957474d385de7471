// The web dashboard in a real headless Chromium against a real `jobctl serve` over a test root:
// the token asked for (and again after a 401), live updates from the event stream without a
// reload, a job's page with its output, kill and restart from the page (the CLI sees the result),
// filters agreeing with `list`, a deleted job leaving the table, job text rendered as text, an
// agent's activity, the server restarted under the page, a phone layout.
// Screenshots are kept in test-artifacts/dashboard/ (named in the test's output).
/* global document, window, sessionStorage, localStorage, getComputedStyle -- functions run in the page */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT, waitFor, withRoot } from '../helpers/jobctl.mjs';
import { needChromium } from '../helpers/infra.mjs';
import { launchChromium } from '../helpers/browser.mjs';
import { startServe } from '../helpers/serve.mjs';

const ARTIFACTS = join(PROJECT, 'test-artifacts', 'dashboard');
const FAKES = join(PROJECT, 'test', 'fixtures', 'agents');
/** Every wait is for a condition; this only bounds it on a loaded machine. */
const PATIENCE_MS = 60_000;

test('the web dashboard in Chromium against jobctl serve', async (t) => {
  if (!needChromium(t)) return;
  const { run, root, base } = withRoot(t);
  const work = join(base, 'work');
  mkdirSync(work);
  let token = randomBytes(16).toString('hex');
  let server = await startServe(t, root, { env: { JOBCTL_TOKEN: token } });
  const { url } = server;
  const page = await (await launchChromium(t)).newPage({ viewport: { width: 1280, height: 800 } });
  page.setDefaultTimeout(PATIENCE_MS);
  const problems = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`console: ${m.text()}`); });
  page.on('request', (r) => {
    if (!r.url().startsWith(`${url}/`)) problems.push(`request off the server: ${r.url()}`);
    if (r.url().includes(token)) problems.push(`the token in a URL: ${r.url()}`);
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  t.diagnostic(`screenshots: ${ARTIFACTS}`);
  const shot = async (name) => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: join(ARTIFACTS, name), fullPage: true });
  };

  const cli = async (args, opts = {}) => (await run(args, { cwd: work, ...opts })).json;
  const row = (id, state = '') => page.locator(`#jobs tr[data-job-id="${id}"]${state && `[data-state="${state}"]`}`);
  const field = (list, label) => page.locator(`#${list} dt:text-is("${label}") + dd`);
  const stdoutHas = (text) => page.waitForFunction((t) => document.getElementById('stdout').textContent.includes(t), text);
  const fifo = (name) => {
    const path = join(base, name);
    execFileSync('mkfifo', [path]);
    return path;
  };
  /** Back to the table the way a user goes: the page's own link (a hash change, no reload). */
  const toTable = async () => {
    if (await page.isVisible('#job-view')) await page.click('#job-view a.back');
    await page.locator('#jobs-view').waitFor();
  };
  const openFromTable = async (id) => {
    await toTable();
    await row(id).locator('a').click();
    await page.locator(`#job-fields dd:text-is("${id}")`).waitFor();
  };

  await t.test('a wrong token is asked for again; the right one is kept in sessionStorage, never in the URL', async () => {
    await page.goto(`${url}/`);
    await page.locator('#login').waitFor();
    await page.fill('#token', 'not-the-token');
    await page.click('#login button[type=submit]');
    await page.waitForFunction(() => document.getElementById('login-message').textContent.includes('refused'));
    assert.equal(await page.isVisible('#login'), true);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('jobctl.token')), null);
    await page.fill('#token', token);
    await page.click('#login button[type=submit]');
    await page.locator('#jobs-view').waitFor();
    await page.locator('#live[data-live="on"]').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('jobctl.token')), token);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    assert.ok(!page.url().includes(token));
    // Set once: a reload would lose it.
    await page.evaluate(() => { window.sameDocument = true; });
  });

  await t.test('a job submitted from the CLI appears, runs and exits without a reload; its page shows its output', async () => {
    const release = fifo('release-build');
    const job = await cli(['run', '--snapshot-after', '0', '--name', 'build-docs', '--tag', 'docs.site', '--', 'sh', '-c', `echo first-output; read word < ${release}; echo "then $word"`]);
    await row(job.job_id, 'running').waitFor();
    await writeFile(release, 'released\n');
    await row(job.job_id, 'exited').waitFor();
    assert.equal(await row(job.job_id).locator('td.col-exit').textContent(), '0');
    await openFromTable(job.job_id);
    await stdoutHas('then released');
    assert.equal(await page.textContent('#stdout'), 'first-output\nthen released\n');
    assert.equal(await page.evaluate(() => window.sameDocument), true, 'the page was never reloaded');
  });

  let killed;
  await t.test('a running job\'s output is followed on its page; kill from the page, and the CLI reports it killed', async () => {
    const release = fifo('release-kill');
    killed = await cli(['run', '--snapshot-after', '0', '--name', 'long-sleep', '--tag', 'ops', '--', 'sh', '-c', `echo waiting; read word < ${release}; echo "still $word"; exec sleep 600`]);
    await openFromTable(killed.job_id);
    await stdoutHas('waiting');
    await writeFile(release, 'running\n');
    await stdoutHas('still running');
    const confirmed = new Promise((resolve) => page.once('dialog', (dialog) => resolve(dialog.accept().then(() => dialog.message()))));
    await page.locator('#kill:enabled').click();
    assert.equal(await confirmed, 'Kill long-sleep?');
    await page.locator('#job-title .state-killed').waitFor();
    const status = await cli(['status', killed.job_id]);
    assert.equal(status.state, 'killed');
    assert.equal(status.signal, 'SIGTERM');
    assert.equal(await page.isDisabled('#kill'), true);
    await shot('job-killed.png');
  });

  let restarted;
  await t.test('restart from the page runs the job again in place', async () => {
    const counter = join(base, 'runs');
    const job = await cli(['run', '--wait', '--name', 'twice', '--', 'sh', '-c', `echo run >> ${counter}; echo ran`]);
    restarted = job;
    await openFromTable(job.job_id);
    await page.locator('#restart:enabled').click();
    await field('job-fields', 'Attempt').filter({ hasText: /^2$/ }).waitFor();
    await page.locator('#job-title .state-exited').waitFor();
    const status = await waitFor(async () => {
      const s = await cli(['status', job.job_id]);
      return s.state === 'exited' && s.attempt === 2 ? s : undefined;
    }, { timeoutMs: PATIENCE_MS, what: 'the restarted job to end' });
    assert.equal(status.restart_count, 1);
    assert.equal(readFileSync(counter, 'utf8'), 'run\nrun\n');
  });

  await t.test('a job named like markup renders as text, in the table and on its page', async () => {
    const name = '<img src=x onerror="window.injected=1">';
    const job = await cli(['run', '--wait', '--name', name, '--', 'sh', '-c', 'echo "<b id=bold>not bold</b>"']);
    await toTable();
    await row(job.job_id).waitFor();
    assert.equal(await row(job.job_id).locator('td.col-name a').textContent(), name);
    assert.equal(await page.locator('#jobs img').count(), 0);
    await openFromTable(job.job_id);
    await stdoutHas('<b id=bold>');
    assert.equal(await page.locator('#job-title').textContent(), `exited ${name}`);
    assert.equal(await page.locator('img, #bold').count(), 0);
    assert.equal(await page.evaluate(() => window.injected), undefined);
  });

  await t.test('an agent job\'s page shows its turns, tool calls, cost and outcome as status reports them', async () => {
    const config = join(base, 'config.toml');
    writeFileSync(config, `[executors.local]\nclaude_path = "${join(FAKES, 'claude')}"\n`);
    const home = join(base, 'agent-home');
    mkdirSync(home);
    const env = { FAKE_AGENT_HOME: home, FAKE_AGENT_DELAY: '0.02' };
    const job = await cli(['run', '--wait', '--name', 'agent-fix', '--agent', 'claude', '--prompt', 'fix the off-by-one'], { config, env });
    const { agent } = await cli(['status', job.job_id]);
    assert.equal(agent.outcome, 'success');
    await openFromTable(job.job_id);
    await page.locator('#agent').waitFor();
    assert.equal(await field('agent-fields', 'Turns').textContent(), String(agent.turns));
    assert.equal(await field('agent-fields', 'Tool calls').textContent(), String(agent.tool_calls));
    assert.equal(await field('agent-fields', 'Cost').textContent(), `$${agent.cost_usd.toFixed(4)}`);
    assert.equal(await field('agent-fields', 'Outcome').textContent(), agent.outcome);
    assert.deepEqual(await page.locator('#tool-calls .call-name').allTextContents(), agent.last_tool_calls.map((c) => c.name));
    await shot('job-agent.png');
  });

  await t.test('the filters keep the jobs `list` selects with the same state, tag and executor', async () => {
    await toTable();
    const listed = (await cli(['list', '--all'])).jobs;
    await page.waitForFunction((n) => document.querySelectorAll('#jobs tbody tr').length === n, listed.length);
    const shown = async () => (await page.locator('#jobs tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.jobId))).sort();
    const cases = [
      [{ state: 'killed' }, ['--state', 'killed']],
      [{ state: 'exited' }, ['--state', 'exited']],
      [{ tag: 'docs.*' }, ['--tag', 'docs.*']],
      [{ tag: 'docs' }, ['--tag', 'docs']],
      [{ tag: 'ops' }, ['--tag', 'ops']],
      [{ executor: 'local' }, ['--executor', 'local']],
      [{ executor: 'elsewhere' }, ['--executor', 'elsewhere']],
    ];
    for (const [filter, flags] of cases) {
      await page.selectOption('#filter-state', filter.state ?? '');
      await page.fill('#filter-tag', filter.tag ?? '');
      await page.fill('#filter-executor', filter.executor ?? '');
      const expected = (await cli(['list', '--all', ...flags])).jobs.map((j) => j.job_id).sort();
      assert.deepEqual(await shown(), expected, JSON.stringify(filter));
    }
    await page.selectOption('#filter-state', '');
    await page.fill('#filter-tag', '');
    await page.fill('#filter-executor', '');
    await page.fill('#filter-text', 'long-sl');
    assert.deepEqual(await shown(), [killed.job_id]);
    await page.fill('#filter-text', '');
    assert.equal((await shown()).length, listed.length);
    await shot('table.png');
  });

  await t.test('the server killed and started again: the page resumes the stream; a new token is asked for', async () => {
    await toTable();
    await server.stop('SIGKILL');
    await page.locator('#live[data-live="off"]').waitFor();
    const meanwhile = await cli(['run', '--wait', '--name', 'while-down', '--', 'true']);
    server = await startServe(t, root, { env: { JOBCTL_TOKEN: token }, listen: new URL(url).host });
    await page.locator('#live[data-live="on"]').waitFor();
    await row(meanwhile.job_id, 'exited').waitFor();
    // Same port, another token: the stream's next connection gets 401 and the page asks again.
    await server.stop('SIGKILL');
    await page.locator('#live[data-live="off"]').waitFor();
    token = randomBytes(16).toString('hex');
    server = await startServe(t, root, { env: { JOBCTL_TOKEN: token }, listen: new URL(url).host });
    await page.locator('#login').waitFor();
    assert.match(await page.textContent('#login-message'), /refused/);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('jobctl.token')), null);
    await page.fill('#token', token);
    await page.click('#login button[type=submit]');
    await page.locator('#live[data-live="on"]').waitFor();
    await row(meanwhile.job_id).waitFor();
    assert.equal(await page.evaluate(() => window.sameDocument), true, 'the page was never reloaded');
  });

  await t.test('a job deleted from the CLI leaves the table', async () => {
    await toTable();
    await row(restarted.job_id).waitFor();
    await cli(['delete', restarted.job_id]);
    await row(restarted.job_id).waitFor({ state: 'detached' });
  });

  await t.test('on a phone (390×844) the table becomes cards without sideways scrolling', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await toTable();
    assert.equal(await page.isVisible('#jobs thead'), false);
    assert.equal(await page.locator('#jobs tbody tr').first().evaluate((tr) => getComputedStyle(tr).display), 'grid');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal overflow');
    await shot('phone.png');
    await openFromTable(killed.job_id);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'no horizontal overflow on a job page');
    await shot('phone-job.png');
  });

  assert.deepEqual(problems, []);
});
