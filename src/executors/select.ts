// Picks the executor of a new job: --executor NAME, else the first executor (in config order)
// carrying every --label, else [defaults] executor, else local.
import { JobError } from '../errors.js';
import type { Config } from '../config.js';
import type { ExecutorDef } from './types.js';

export interface ChosenExecutor {
  name: string;
  def: ExecutorDef;
}

export function selectExecutor(config: Config, name: string | undefined, labels: string[]): ChosenExecutor {
  const known = Object.keys(config.executors);
  if (name !== undefined) {
    const def = config.executors[name];
    if (def === undefined) throw new JobError('executor_not_found', `no executor named ${JSON.stringify(name)} (known: ${known.join(', ')})`, { executor: name, known });
    const missing = labels.filter((l) => !def.labels.includes(l));
    if (missing.length > 0) {
      throw new JobError('executor_not_found', `executor ${name} lacks the label(s) ${missing.join(', ')}`, { executor: name, labels, missing });
    }
    return { name, def };
  }
  if (labels.length > 0) {
    const match = Object.entries(config.executors).find(([, def]) => labels.every((l) => def.labels.includes(l)));
    if (match === undefined) throw new JobError('executor_not_found', `no executor carries all of the labels ${labels.join(', ')}`, { labels, known });
    return { name: match[0], def: match[1] };
  }
  const fallback = config.defaults.executor;
  return { name: fallback, def: config.executors[fallback] as ExecutorDef };
}
