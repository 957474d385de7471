// The jobs table: every job the list route returned, kept up to date one job at a time as
// events arrive, filtered on the page (state, tag, executor, free text). A row collapses to a
// card on a narrow screen (app.css): each cell carries its column's name in data-label.
import { byId, el, stateBadge } from './dom.js';
import { age, duration, exitText, matchesFilters, payloadText, titleOf } from './format.js';

const COLUMNS = ['State', 'Name', 'Executor', 'Payload', 'Age', 'Duration', 'Exit'];
const jobs = new Map();
let truncated = false;

/** Replaces every job with the list route's answer. */
export function setJobs(answer) {
  jobs.clear();
  for (const job of answer.jobs) jobs.set(job.job_id, job);
  truncated = answer.truncated === true;
  render();
}

/** Adds or replaces one job (a status answer), or removes it when `job` is undefined. */
export function putJob(id, job) {
  if (job === undefined) jobs.delete(id);
  else jobs.set(id, job);
  render();
}

export const knownJob = (id) => jobs.get(id);

function filters() {
  return {
    state: byId('filter-state').value,
    tag: byId('filter-tag').value.trim(),
    executor: byId('filter-executor').value.trim(),
    text: byId('filter-text').value.trim(),
  };
}

const newestFirst = (a, b) => (b.created_at ?? '').localeCompare(a.created_at ?? '');

const AGE = 4;
const DURATION = 5;
/** Rows built for a job object: redrawn only when the job changes, the clock cells in place. */
const rows = new WeakMap();

function row(job, now) {
  const built = rows.get(job);
  if (built !== undefined) {
    built.cells[AGE].textContent = age(job, now);
    built.cells[DURATION].textContent = duration(job, now);
    return built;
  }
  const link = el('a', { text: titleOf(job), attrs: { href: `#/jobs/${job.job_id}` } });
  const cells = [stateBadge(job.state), link, job.executor ?? '', payloadText(job), age(job, now), duration(job, now), exitText(job)];
  const tr = el('tr', { attrs: { 'data-job-id': job.job_id, 'data-state': job.state } }, cells.map((content, i) => {
    const td = el('td', { className: `col-${COLUMNS[i].toLowerCase()}`, attrs: { 'data-label': COLUMNS[i] } });
    td.append(content);
    return td;
  }));
  rows.set(job, tr);
  return tr;
}

/** Redraws the table from the jobs held and the filters. */
export function render() {
  const now = Date.now();
  const wanted = filters();
  const shown = [...jobs.values()].filter((job) => matchesFilters(job, wanted)).sort(newestFirst);
  byId('jobs').tBodies[0].replaceChildren(...shown.map((job) => row(job, now)));
  byId('jobs-empty').hidden = shown.length > 0;
  byId('jobs-truncated').hidden = !truncated;
  const executors = [...new Set([...jobs.values()].map((job) => job.executor).filter(Boolean))].sort();
  byId('executors').replaceChildren(...executors.map((name) => el('option', { attrs: { value: name } })));
}

/** Filters apply as they are typed. */
export function bindFilters() {
  const form = byId('filters');
  form.addEventListener('input', render);
  form.addEventListener('submit', (e) => e.preventDefault());
}
