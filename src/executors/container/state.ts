// A container's inspected State as the supervisor's RemotePhase (pure).
import type { RemotePhase } from '../port.js';

export interface ContainerState {
  Status?: string;
  ExitCode?: number;
  OOMKilled?: boolean;
  StartedAt?: string;
  FinishedAt?: string;
  Error?: string;
}

export interface PhaseContext {
  runtime: string;
  memoryLimitBytes: number | undefined;
  /** This supervisor signalled the container itself (a 137 is then its own SIGKILL). */
  signalled: boolean;
}

const PENDING = new Set(['created', 'configured', 'initialized']);
const ENDED = new Set(['exited', 'dead', 'stopped', 'removing']);

export const LOST_REASON = 'the container was removed before its exit status was read';

/** A runtime timestamp (nanoseconds, any offset) as RFC 3339 UTC with milliseconds. */
export function normalizeTime(ts: string | undefined): string | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(ts ?? '');
  if (m === null || (m[1] ?? '').startsWith('0001-')) return undefined;
  const ms = Date.parse(`${m[1]}.${(m[2] ?? '').padEnd(3, '0').slice(0, 3)}${m[3]}`);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

export function containerPhase(s: ContainerState, ctx: PhaseContext): RemotePhase {
  const status = s.Status ?? '';
  const error = s.Error ?? '';
  if (PENDING.has(status) && error === '') return { phase: 'pending' };
  if (!ENDED.has(status) && !PENDING.has(status)) {
    const startedAt = normalizeTime(s.StartedAt);
    return startedAt !== undefined ? { phase: 'running', startedAt } : { phase: 'running' };
  }
  // A container that never started (status created with an error) has no exit status.
  const code = PENDING.has(status) ? undefined : s.ExitCode;
  const end: RemotePhase = code !== undefined ? { phase: 'ended', code } : { phase: 'ended' };
  // The runtime's own times: a container that ran between two polls keeps its real duration.
  const startedAt = PENDING.has(status) ? undefined : normalizeTime(s.StartedAt);
  const finishedAt = normalizeTime(s.FinishedAt);
  if (startedAt !== undefined) end.startedAt = startedAt;
  if (finishedAt !== undefined && startedAt !== undefined) end.finishedAt = finishedAt;
  if (PENDING.has(status)) end.neverStarted = true;
  const limit = ctx.memoryLimitBytes !== undefined ? ` of ${ctx.memoryLimitBytes} bytes` : '';
  if (s.OOMKilled === true) {
    return { ...end, error: { code: 'oom_killed', message: `the container ran out of memory (limit${limit || ' of its host'}) and was killed` } };
  }
  // podman does not always report OOMKilled (conmon misses the event on cgroup v1): a SIGKILL
  // nobody here sent, under a memory limit, is the kernel's OOM killer.
  if (ctx.runtime === 'podman' && code === 137 && ctx.memoryLimitBytes !== undefined && !ctx.signalled) {
    return { ...end, error: { code: 'oom_killed', message: `the container was SIGKILLed under its memory limit${limit} (podman reported no OOM flag; the kernel's OOM killer is the likely cause)` } };
  }
  if (error !== '') return { ...end, error: { code: 'container_error', message: error.slice(0, 500) } };
  return end;
}
