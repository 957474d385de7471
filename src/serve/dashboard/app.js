// The dashboard's entry: asks for the token, routes between the jobs table (#/) and a job's
// page (#/jobs/ID), and applies the event stream: each event refreshes the job it names with
// GET /v1/jobs/{id} (one request per job at a time, however many events arrive meanwhile).
import { eventHead, forgetToken, jobStatus, listJobs, savedToken, saveToken, stats, whenUnauthorized, ApiError, Unauthorized } from './api.js';
import { followEvents } from './events.js';
import { byId, showView } from './dom.js';
import { bindFilters, putJob, render, setJobs } from './jobs-view.js';
import { bindActions, closeJob, openJob, openJobId, refreshJob, whenJobChanged } from './job-page.js';

const CLOCK_MS = 1000;
/** How long the page waits before asking for the log's head again after a failure. */
const HEAD_RETRY_MS = 2000;
let session;

/** Runs `task` for a job at most once at a time; a call meanwhile runs it once more after. */
function coalesced(task) {
  const running = new Map();
  const again = new Set();
  const run = async (id) => {
    if (running.has(id)) return again.add(id);
    running.set(id, task(id).catch(() => undefined));
    await running.get(id);
    running.delete(id);
    if (again.delete(id)) await run(id);
  };
  return run;
}

const refreshListed = coalesced(async (id) => {
  try {
    putJob(id, await jobStatus(id));
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) putJob(id, undefined);
    else throw err;
  }
});

const refreshCounts = coalesced(async () => {
  const answer = await stats();
  const counts = Object.entries(answer.by_state ?? {}).filter(([, n]) => n > 0);
  byId('counts').textContent = counts.map(([state, n]) => `${n} ${state}`).join(' · ');
});

async function reloadList() {
  setJobs(await listJobs());
  void refreshCounts('stats');
}

function applyEvent(event) {
  const id = event.job_id;
  if (typeof id !== 'string') return;
  if (event.event_type === 'job.deleted') putJob(id, undefined);
  else void refreshListed(id);
  if (id === openJobId()) void refreshJob();
  void refreshCounts('stats');
}

function setLive(live) {
  const badge = byId('live');
  badge.dataset.live = live ? 'on' : 'off';
  badge.textContent = live ? 'live' : 'reconnecting';
}

function route() {
  if (session === undefined) return;
  const match = /^#\/jobs\/([^/]+)$/.exec(location.hash);
  if (match) {
    showView('job-view');
    window.scrollTo(0, 0);
    void openJob(decodeURIComponent(match[1]));
  } else {
    closeJob();
    showView('jobs-view');
    render();
  }
}

function showError(err) {
  if (err instanceof Unauthorized) return;
  const box = byId('error');
  box.textContent = `${err.code ?? 'error'}: ${err.message}`;
  box.hidden = false;
}

/** Starts the live views with the saved token; a refused token lands back on the login form. */
async function start() {
  stop();
  const controller = new AbortController();
  session = controller;
  byId('sign-out').hidden = false;
  byId('error').hidden = true;
  route();
  let after;
  // The head first: an event between the list and the stream's start is followed, not missed.
  // Without it the stream would replay the whole log: try again until the server answers.
  while (after === undefined) {
    try {
      after = await eventHead();
      await reloadList();
    } catch (err) {
      showError(err);
      if (after === undefined) await new Promise((resolve) => setTimeout(resolve, HEAD_RETRY_MS));
    }
    if (session !== controller) return;
  }
  void followEvents({
    after,
    signal: controller.signal,
    onEvent: applyEvent,
    onLive: setLive,
    onReconnect: () => reloadList().catch(showError),
  });
}

function stop() {
  session?.abort();
  session = undefined;
  closeJob();
  setLive(false);
  byId('live').textContent = 'offline';
}

function askForToken(message) {
  stop();
  byId('sign-out').hidden = true;
  if (message) byId('login-message').textContent = message;
  showView('login');
  byId('token').focus();
}

function boot() {
  whenUnauthorized(askForToken);
  whenJobChanged((status) => putJob(status.job_id, status));
  bindFilters();
  bindActions();
  byId('login').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = byId('token');
    const token = input.value.trim();
    input.value = '';
    if (token === '') return;
    saveToken(token);
    void start();
  });
  byId('sign-out').addEventListener('click', () => {
    forgetToken();
    askForToken('Signed out. Enter the token to open the dashboard again.');
  });
  window.addEventListener('hashchange', route);
  setInterval(() => {
    if (session !== undefined && !byId('jobs-view').hidden) render();
  }, CLOCK_MS);
  if (savedToken() === null) askForToken('');
  else void start();
}

boot();
