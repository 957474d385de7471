// Which concurrency limits apply (queues and executors with max_concurrent, from the config).
// Pure: the slot files themselves are kept by slot-tickets.ts.
import { createHash } from 'node:crypto';
import type { Config } from '../config.js';
import type { ConfiguredLimit, JobMeta } from './types.js';

export type LimitKind = 'queue' | 'executor' | 'session';
export interface Limit {
  kind: LimitKind;
  name: string;
  max: number;
}

export const limitLabel = (l: Limit): string => `${l.kind} ${l.name}`;

/**
 * An agent job whose session is known before it starts (--session, --resume, Claude's own id)
 * runs alone in that session: two runs of one session would interleave its transcript.
 */
export function sessionLimit(meta: Pick<JobMeta, 'agent'>): Limit | undefined {
  const session = meta.agent?.resume ?? meta.agent?.session;
  if (meta.agent === undefined || session === undefined) return undefined;
  // Limit names are directory names: an id that does not fit one is hashed.
  const plain = `${meta.agent.name}-${session}`;
  const name = /^[A-Za-z0-9_.-]{1,64}$/.test(plain) ? plain : `${meta.agent.name}-${createHash('sha256').update(session).digest('hex').slice(0, 40)}`;
  return { kind: 'session', name, max: 1 };
}

/**
 * The limits a job is subject to, in the order they are taken: its agent session, its queue (if
 * configured), then its executor's max_concurrent. Queue and executor limits are the ones
 * recorded when the job was created (meta.limits), so whoever serves the job — a caller with
 * another config or none — holds it to them; jobs from before that record use `config`.
 */
export function jobLimits(meta: Pick<JobMeta, 'queue' | 'executor' | 'agent' | 'limits'>, config: Config | undefined): Limit[] {
  const session = sessionLimit(meta);
  const configured = meta.limits ?? (config === undefined ? [] : configuredLimitsOf(meta, config));
  return [...(session !== undefined ? [session] : []), ...configured];
}

/** The queue and executor limits `config` sets for a job (recorded in its meta at creation). */
export function configuredLimitsOf(meta: Pick<JobMeta, 'queue' | 'executor'>, config: Config): ConfiguredLimit[] {
  const out: ConfiguredLimit[] = [];
  if (meta.queue !== undefined && Object.hasOwn(config.queues, meta.queue)) {
    out.push({ kind: 'queue', name: meta.queue, max: (config.queues[meta.queue] as { max_concurrent: number }).max_concurrent });
  }
  const max = Object.hasOwn(config.executors, meta.executor) ? config.executors[meta.executor]?.max_concurrent : undefined;
  if (max !== undefined) out.push({ kind: 'executor', name: meta.executor, max });
  return out;
}

/** Every limit of the config: each queue, then each executor with max_concurrent (config order). */
export function configuredLimits(config: Config): Limit[] {
  const queues = Object.entries(config.queues).map(([name, q]): Limit => ({ kind: 'queue', name, max: q.max_concurrent }));
  const executors = Object.entries(config.executors).flatMap(([name, d]): Limit[] => (d.max_concurrent === undefined ? [] : [{ kind: 'executor', name, max: d.max_concurrent }]));
  return [...queues, ...executors];
}
