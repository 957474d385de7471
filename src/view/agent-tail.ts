// The stdout tail of a coding-agent job as its snapshot shows it: the agent's stream-JSON lines
// are what `agent` (and `logs --activity`) summarise, so without --raw only the lines the agent
// printed besides them are kept. The range and totals still describe the raw window. Pure.

/** Why lines are missing from stdout_tail, for a reader who needs them. */
export const OMITTED_HINT = 'agent stream-JSON lines; see agent, logs --activity, or --raw';

export interface FilteredTail {
  text: string;
  omitted: number;
}

/**
 * Drops every line that starts with `{` (a stream-JSON line, complete or still being written)
 * and, when the window begins inside a line, that fragment too.
 */
export function withoutStreamJson(text: string, lineStart: boolean): FilteredTail {
  if (text === '') return { text, omitted: 0 };
  const lines = text.split(/(?<=\n)/);
  let omitted = 0;
  const kept = lines.filter((line, i) => {
    const drop = (i === 0 && !lineStart) || line.trimStart().startsWith('{');
    if (drop) omitted++;
    return !drop;
  });
  return { text: kept.join(''), omitted };
}
