// Pure helpers of the dashboard: how a job's fields read in a cell, and which jobs a filter keeps.
export const TERMINAL = new Set(['exited', 'killed', 'failed', 'lost']);
export const ACTIVE = new Set(['queued', 'running']);

/** 850 ms, 12 s, 3 m 4 s, 2 h 5 m, 3 d 4 h. */
export function formatDuration(ms) {
  if (ms === undefined || ms === null || Number.isNaN(ms)) return '';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} m ${s % 60} s`;
  const h = Math.floor(m / 60);
  if (h < 24) return `${h} h ${m % 60} m`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

const since = (iso, now) => (iso ? now - Date.parse(iso) : undefined);

/** Time since the job was created. */
export const age = (job, now = Date.now()) => formatDuration(since(job.created_at, now));

/** The run's duration: recorded once it ended, counted from its start while it runs. */
export function duration(job, now = Date.now()) {
  if (job.duration_ms !== undefined) return formatDuration(job.duration_ms);
  if (job.state === 'running' && job.started_at) return formatDuration(since(job.started_at, now));
  return '';
}

/** How it ended: the exit code, the signal (and "timeout"), or the failure's code. */
export function exitText(job) {
  if (job.exit_code !== undefined) return String(job.exit_code);
  if (job.signal !== undefined) return job.timed_out ? `${job.signal} (timeout)` : job.signal;
  if (job.error !== undefined) return typeof job.error === 'string' ? job.error : (job.error.code ?? 'error');
  return '';
}

/** What runs: the agent (`agent:claude`) or the command line. */
export const payloadText = (job) => (job.payload?.startsWith('agent:') ? job.payload : (job.command ?? job.payload ?? ''));

/** The name, else the short id. */
export const titleOf = (job) => job.name || job.short_id || job.job_id;

/** A tag filter as `list --tag` reads it: `P` matches the tag P; `P.*` matches P and P.<anything>. */
export function tagMatches(tags, pattern) {
  if (!pattern.endsWith('.*')) return tags.includes(pattern);
  const base = pattern.slice(0, -2);
  return tags.some((t) => t === base || t.startsWith(`${base}.`));
}

/** True when the job passes every filter given (empty ones pass all). */
export function matchesFilters(job, { state, tag, executor, text }) {
  if (state && job.state !== state) return false;
  if (tag && !tagMatches(job.tags ?? [], tag)) return false;
  if (executor && job.executor !== executor) return false;
  if (!text) return true;
  const needle = text.toLowerCase();
  return [job.job_id, job.name, job.command, job.payload, job.cwd, job.executor, ...(job.tags ?? [])]
    .some((field) => typeof field === 'string' && field.toLowerCase().includes(needle));
}
