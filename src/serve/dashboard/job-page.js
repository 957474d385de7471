// The page of one job (#/jobs/ID): its fields, the coding agent's activity, the last lines of
// stdout and stderr (refreshed every second while the job is queued or running), and the kill
// and restart buttons. Events about this job refresh it at once (app.js calls refreshJob).
import { ApiError, jobStatus, jobTail, killJob, restartJob, Unauthorized } from './api.js';
import { byId, el, fillFields, stateBadge } from './dom.js';
import { ACTIVE, TERMINAL, duration, exitText, titleOf } from './format.js';

const TAIL_EVERY_MS = 1000;
let currentId;
let currentTitle = '';
let timer;
let onJobChanged = () => {};

/** Called with each status answer (the table keeps the same job up to date). */
export function whenJobChanged(callback) {
  onJobChanged = callback;
}

export const openJobId = () => currentId;

/** Shows the page of job `id` and keeps it fresh until closeJob. */
export async function openJob(id) {
  closeJob();
  currentId = id;
  byId('job-title').replaceChildren(el('span', { text: id }));
  for (const pre of ['stdout', 'stderr']) byId(pre).textContent = '';
  byId('action-result').textContent = '';
  await refreshJob();
}

export function closeJob() {
  clearTimeout(timer);
  currentId = undefined;
}

/** Reloads status and tail of the open job; while it is active, again in a second. */
export async function refreshJob() {
  const id = currentId;
  if (id === undefined) return;
  clearTimeout(timer);
  try {
    const [status, tail] = await Promise.all([jobStatus(id), jobTail(id)]);
    if (id !== currentId) return;
    renderStatus(status);
    renderTail(tail);
    onJobChanged(status);
    if (!TERMINAL.has(status.state)) timer = setTimeout(refreshJob, ACTIVE.has(status.state) ? TAIL_EVERY_MS : TAIL_EVERY_MS * 5);
  } catch (err) {
    if (err instanceof Unauthorized || id !== currentId) return;
    byId('job-title').replaceChildren(el('span', { text: `${id}: ${err.message}` }));
    if (!(err instanceof ApiError && err.status === 404)) timer = setTimeout(refreshJob, TAIL_EVERY_MS * 5);
  }
}

function renderStatus(job) {
  currentTitle = titleOf(job);
  byId('job-title').replaceChildren(stateBadge(job.state), el('span', { text: ` ${titleOf(job)}` }));
  fillFields(byId('job-fields'), [
    ['Id', job.job_id],
    ['State', job.state],
    ['Payload', job.payload],
    ['Command', job.command],
    ['Executor', job.executor],
    ['Directory', job.cwd],
    ['Tags', (job.tags ?? []).join(', ')],
    ['Attempt', job.attempt],
    ['Restarts', job.restart_count],
    ['Created', job.created_at],
    ['Started', job.started_at],
    ['Finished', job.finished_at],
    ['Duration', duration(job)],
    ['Exit', exitText(job)],
    ['Waiting for', job.waiting_for === undefined ? undefined : JSON.stringify(job.waiting_for)],
    ['Error', job.error === undefined ? undefined : (job.error.message ?? JSON.stringify(job.error))],
  ]);
  byId('kill').disabled = !ACTIVE.has(job.state);
  byId('restart').disabled = !TERMINAL.has(job.state);
  renderAgent(job.agent);
}

function renderAgent(agent) {
  byId('agent').hidden = agent === undefined;
  if (agent === undefined) return;
  fillFields(byId('agent-fields'), [
    ['Agent', agent.name],
    ['Model', agent.model],
    ['Session', agent.session_id],
    ['Turns', agent.turns],
    ['Tool calls', agent.tool_calls],
    ['Tokens', agent.tokens ? `${agent.tokens.input ?? 0} in / ${agent.tokens.output ?? 0} out` : undefined],
    ['Cost', agent.cost_usd === undefined ? undefined : `$${agent.cost_usd.toFixed(4)}`],
    ['Outcome', agent.outcome],
    ['Last text', agent.last_text],
    ['Updated', agent.updated_at],
  ]);
  byId('tool-calls').replaceChildren(...(agent.last_tool_calls ?? []).map((call) => el('li', { className: `call call-${call.status}` }, [
    el('span', { className: 'call-name', text: call.name }),
    el('span', { className: 'call-status', text: call.status }),
    el('code', { className: 'call-input', text: typeof call.input === 'string' ? call.input : JSON.stringify(call.input) }),
  ])));
}

function renderTail(tail) {
  for (const stream of ['stdout', 'stderr']) {
    const pre = byId(stream);
    const stick = pre.scrollTop + pre.clientHeight >= pre.scrollHeight - 4;
    pre.textContent = tail[`${stream}_tail`] ?? '';
    if (stick) pre.scrollTop = pre.scrollHeight;
    const total = tail[`${stream}_total_bytes`];
    const [begin] = tail[`${stream}_range`] ?? [0];
    byId(`${stream}-size`).textContent = total === undefined ? '' : `${total} bytes${begin > 0 ? `, last ${total - begin} shown` : ''}`;
  }
}

async function act(label, call) {
  const id = currentId;
  const result = byId('action-result');
  result.textContent = `${label}…`;
  try {
    const answer = await call(id);
    result.textContent = `${label}: ${answer.state ?? 'done'}${answer.signal ? ` (${answer.signal})` : ''}`;
  } catch (err) {
    if (err instanceof Unauthorized) return;
    result.textContent = `${label} failed: ${err.code ?? ''} ${err.message}`;
  }
  if (id === currentId) await refreshJob();
}

/** The kill and restart buttons act on the open job; a kill is confirmed first. */
export function bindActions() {
  byId('kill').addEventListener('click', () => {
    if (window.confirm(`Kill ${currentTitle}?`)) void act('kill', killJob);
  });
  byId('restart').addEventListener('click', () => act('restart', restartJob));
}

