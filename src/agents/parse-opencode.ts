// opencode `run --format json` lines ({type, timestamp ms, sessionID, part}) → normalised events.
// Turns: one per `step_start`. Usage and cost: each `step_finish` adds its own (input counts
// cache reads and writes, output counts reasoning tokens). `done` is the result: success unless
// an `error` line came before it, whose classified outcome it then carries.
import { classifyMessage } from './classify.js';
import { isoTime, num, obj, oneLine, stamp, str, summarizeInput, text, type JsonObject, type LineParser } from './fields.js';
import type { AgentEvent, AgentOutcome } from './types.js';

function stepFinish(part: JsonObject): AgentEvent[] {
  const events: AgentEvent[] = [];
  const tokens = obj(part.tokens);
  if (tokens) {
    const cache = obj(tokens.cache);
    const n = (v: unknown): number => num(v) ?? 0;
    events.push({
      kind: 'usage', cumulative: false,
      input_tokens: n(tokens.input) + n(cache?.read) + n(cache?.write),
      output_tokens: n(tokens.output) + n(tokens.reasoning),
    });
  }
  const cost = num(part.cost);
  if (cost !== undefined) events.push({ kind: 'cost', usd: cost, cumulative: false });
  return events;
}

export function createOpencodeParser(): LineParser {
  let sessionSeen = false;
  let failure: { message: string; outcome: AgentOutcome } | undefined;
  const called = new Set<string>();

  function toolUse(part: JsonObject): AgentEvent[] {
    const id = str(part.callID) ?? str(part.id);
    const state = obj(part.state) ?? {};
    const status = str(state.status);
    const events: AgentEvent[] = [];
    if (id === undefined || !called.has(id)) {
      events.push({ kind: 'tool_call', id, name: str(part.tool) ?? 'tool', input: summarizeInput(state.input) });
    }
    if (status === 'completed' || status === 'error') {
      if (id !== undefined) called.delete(id);
      const output = status === 'completed' ? text(state.output) : text(state.error) ?? str(obj(state.error)?.message);
      events.push({ kind: 'tool_result', id, ok: status === 'completed', output: output !== undefined ? oneLine(output) : undefined });
    } else if (id !== undefined) {
      called.add(id);
    }
    return events;
  }

  function error(line: JsonObject): AgentEvent[] {
    const err = obj(line.error) ?? obj(obj(line.part)?.error) ?? {};
    const name = str(err.name);
    const message = oneLine(str(obj(err.data)?.message) ?? str(err.message) ?? name ?? 'error', 500);
    const outcome = classifyMessage(`${name ?? ''} ${message}`);
    failure = { message, outcome: outcome ?? 'error' };
    return [{ kind: 'notice', level: 'error', message, outcome }];
  }

  function events(line: JsonObject): AgentEvent[] {
    const part = obj(line.part) ?? {};
    switch (line.type) {
      case 'step_start': return [{ kind: 'turn' }];
      case 'text': {
        const t = text(part.text);
        return t !== undefined ? [{ kind: 'text', text: t }] : [];
      }
      case 'tool_use': return toolUse(part);
      case 'step_finish': return stepFinish(part);
      case 'error': return error(line);
      case 'done':
        return [failure ? { kind: 'result', outcome: failure.outcome, message: failure.message } : { kind: 'result', outcome: 'success' }];
      default: return [];
    }
  }

  return (line) => {
    const out = events(line);
    const session = str(line.sessionID);
    if (!sessionSeen && session !== undefined) {
      sessionSeen = true;
      out.unshift({ kind: 'session', session_id: session });
    }
    return stamp(out, isoTime(line.timestamp));
  };
}
