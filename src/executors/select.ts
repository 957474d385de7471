// Picks the executor of a new job: --executor NAME, else among the executors carrying every
// --label the first (in config order) with a free slot (max_concurrent), else the first of them,
// else [defaults] executor, else local.
import { JobError } from '../errors.js';
import type { Config } from '../config.js';
import type { ExecutorDef } from './types.js';

export interface ChosenExecutor {
  name: string;
  def: ExecutorDef;
}

/** `hasFreeSlot(name, max)`: whether that executor's limit would let a new job start now. */
export function selectExecutor(config: Config, name: string | undefined, labels: string[], hasFreeSlot?: (name: string, max: number) => boolean): ChosenExecutor {
  const known = Object.keys(config.executors);
  if (name !== undefined) {
    const def = Object.hasOwn(config.executors, name) ? config.executors[name] : undefined;
    if (def === undefined) throw new JobError('executor_not_found', `no executor named ${JSON.stringify(name)} (known: ${known.join(', ')})`, { executor: name, known });
    const missing = labels.filter((l) => !def.labels.includes(l));
    if (missing.length > 0) {
      throw new JobError('executor_not_found', `executor ${name} lacks the label(s) ${missing.join(', ')}`, { executor: name, labels, missing });
    }
    return { name, def };
  }
  if (labels.length > 0) {
    const matches = Object.entries(config.executors).filter(([, def]) => labels.every((l) => def.labels.includes(l)));
    const free = ([n, def]: [string, ExecutorDef]): boolean => def.max_concurrent === undefined || hasFreeSlot === undefined || hasFreeSlot(n, def.max_concurrent);
    const match = matches.find(free) ?? matches[0];
    if (match === undefined) throw new JobError('executor_not_found', `no executor carries all of the labels ${labels.join(', ')}`, { labels, known });
    return { name: match[0], def: match[1] };
  }
  const fallback = config.defaults.executor;
  return { name: fallback, def: config.executors[fallback] as ExecutorDef };
}
