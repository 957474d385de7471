// Which concurrency limits apply (queues and executors with max_concurrent, from the config).
// Pure: the slot files themselves are kept by slots.ts.
import type { Config } from '../config.js';
import type { JobMeta } from './types.js';

export type LimitKind = 'queue' | 'executor';
export interface Limit {
  kind: LimitKind;
  name: string;
  max: number;
}

export const limitLabel = (l: Limit): string => `${l.kind} ${l.name}`;

/** The limits a job is subject to: its queue (if configured), then its executor's max_concurrent. */
export function jobLimits(meta: Pick<JobMeta, 'queue' | 'executor'>, config: Config | undefined): Limit[] {
  if (config === undefined) return [];
  const out: Limit[] = [];
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
