// Gemini CLI `-o stream-json` lines → normalised events.
// Turns: Gemini marks none, so a turn begins at the first assistant message or tool call at the
// start or after a tool result. Assistant messages with `delta: true` are pieces of one message.
// Usage: result.stats is the run's cumulative total (input includes cached input).
import { classifyMessage } from './classify.js';
import { isoTime, num, obj, oneLine, stamp, str, summarizeInput, text, type JsonObject, type LineParser } from './fields.js';
import type { AgentEvent, AgentOutcome } from './types.js';

const TURN_LIMIT = /turn/i;

function result(line: JsonObject): AgentEvent[] {
  const events: AgentEvent[] = [];
  const stats = obj(line.stats);
  if (stats) {
    events.push({ kind: 'usage', input_tokens: num(stats.input_tokens), output_tokens: num(stats.output_tokens), cumulative: true });
  }
  if (line.status === 'success') {
    events.push({ kind: 'result', outcome: 'success' });
    return events;
  }
  const error = obj(line.error);
  const message = oneLine(str(error?.message) ?? str(line.error) ?? `gemini reported status ${str(line.status) ?? 'unknown'}`, 500);
  const type = str(error?.type) ?? '';
  const outcome: AgentOutcome = classifyMessage(`${type} ${message}`) ??
    (TURN_LIMIT.test(type) || /max(imum)? (session )?turns/i.test(message) ? 'max_turns' : 'error');
  events.push({ kind: 'result', outcome, message });
  return events;
}

export function createGeminiParser(): LineParser {
  let awaitingTurn = true;

  const turnStart = (): AgentEvent[] => {
    if (!awaitingTurn) return [];
    awaitingTurn = false;
    return [{ kind: 'turn' }];
  };

  function events(line: JsonObject): AgentEvent[] {
    switch (line.type) {
      case 'init': return [{ kind: 'session', session_id: str(line.session_id), model: str(line.model) }];
      case 'message': {
        const content = text(line.content);
        if (line.role !== 'assistant' || content === undefined) return [];
        return [...turnStart(), line.delta === true ? { kind: 'text', text: content, delta: true } : { kind: 'text', text: content }];
      }
      case 'tool_use':
        return [...turnStart(), { kind: 'tool_call', id: str(line.tool_id), name: str(line.tool_name) ?? 'tool', input: summarizeInput(line.parameters) }];
      case 'tool_result': {
        awaitingTurn = true;
        const output = text(line.output) ?? str(obj(line.error)?.message) ?? str(line.error);
        return [{ kind: 'tool_result', id: str(line.tool_id), ok: line.status === 'success', output: output !== undefined ? oneLine(output) : undefined }];
      }
      case 'error': {
        const message = oneLine(str(line.message) ?? 'error', 500);
        const level = line.severity === 'warning' ? 'warning' : line.severity === 'info' ? 'info' : 'error';
        return [{ kind: 'notice', level, message, outcome: classifyMessage(message) }];
      }
      case 'result': return result(line);
      default: return [];
    }
  }

  return (line) => stamp(events(line), isoTime(line.timestamp));
}
