// Codex `exec --json` lines → normalised events.
// Turns: Codex marks none per model response, so a turn begins at the first assistant output
// (reasoning, message, tool call) at the start, after `turn.started` or after a tool item
// completed. Usage: `turn.completed` usage adds up (input includes cached input). Result: Codex
// prints no result line, so `turn.completed` is a success candidate (with the last agent
// message as its text); the activity drops it when a later `error`/`turn.failed` arrives.
import { classifyMessage } from './classify.js';
import { arr, num, obj, oneLine, str, summarizeInput, text, type JsonObject, type LineParser } from './fields.js';
import type { AgentEvent } from './types.js';

const TOOL_ITEMS = new Set(['command_execution', 'file_change', 'mcp_tool_call', 'web_search']);
const FAILED = new Set(['failed', 'declined', 'error']);

function toolCall(item: JsonObject): AgentEvent {
  const id = str(item.id);
  switch (item.type) {
    case 'command_execution':
      return { kind: 'tool_call', id, name: 'command', input: summarizeInput(item.command) };
    case 'file_change': {
      const changes = arr(item.changes).map((c) => obj(c)).filter((c): c is JsonObject => c !== undefined);
      const input = changes.map((c) => [str(c.kind), str(c.path)].filter(Boolean).join(' ')).join(', ');
      return { kind: 'tool_call', id, name: 'file_change', input: oneLine(input) };
    }
    case 'mcp_tool_call': {
      const name = [str(item.server), str(item.tool)].filter(Boolean).join('.') || 'mcp_tool_call';
      return { kind: 'tool_call', id, name, input: summarizeInput(item.arguments) };
    }
    default:
      return { kind: 'tool_call', id, name: 'web_search', input: summarizeInput(item.query) };
  }
}

function toolResult(item: JsonObject): AgentEvent {
  const status = str(item.status);
  const exit = num(item.exit_code);
  const ok = !(status !== undefined && FAILED.has(status)) && (exit === undefined || exit === 0);
  const output = text(item.aggregated_output) ?? str(obj(item.error)?.message) ?? str(item.error);
  return { kind: 'tool_result', id: str(item.id), ok, output: output !== undefined ? oneLine(output) : undefined };
}

function errorNotice(message: string): AgentEvent {
  // Codex reports its own stream reconnects as errors; they are retried, not fatal.
  const level = /reconnecting|retrying/i.test(message) ? 'warning' : 'error';
  return { kind: 'notice', level, message: oneLine(message, 500), outcome: classifyMessage(message) };
}

export function createCodexParser(): LineParser {
  let awaitingTurn = true;
  let lastMessage: string | undefined;
  const started = new Set<string>();

  const turnStart = (): AgentEvent[] => {
    if (!awaitingTurn) return [];
    awaitingTurn = false;
    return [{ kind: 'turn' }];
  };

  function item(value: unknown, completed: boolean): AgentEvent[] {
    const it = obj(value);
    const type = str(it?.type);
    if (!it || type === undefined) return [];
    if (type === 'reasoning') return turnStart();
    if (type === 'agent_message') {
      const events = turnStart();
      const t = text(it.text);
      if (completed && t !== undefined) {
        lastMessage = t;
        events.push({ kind: 'text', text: t });
      }
      return events;
    }
    if (type === 'error' && completed) return [{ kind: 'notice', level: 'warning', message: oneLine(str(it.message) ?? 'error', 500) }];
    if (!TOOL_ITEMS.has(type)) return [];
    const id = str(it.id);
    const seen = id !== undefined && started.has(id);
    if (!completed) {
      if (seen) return [];
      if (id !== undefined) started.add(id);
      return [...turnStart(), toolCall(it)];
    }
    const events = seen ? [] : [...turnStart(), toolCall(it)];
    if (id !== undefined) started.delete(id);
    events.push(toolResult(it));
    awaitingTurn = true;
    return events;
  }

  return (line) => {
    switch (line.type) {
      case 'thread.started': return [{ kind: 'session', session_id: str(line.thread_id) }];
      case 'turn.started':
        awaitingTurn = true;
        return [];
      case 'turn.completed': {
        const usage = obj(line.usage);
        const events: AgentEvent[] = usage
          ? [{ kind: 'usage', input_tokens: num(usage.input_tokens) ?? 0, output_tokens: num(usage.output_tokens) ?? 0, cumulative: false }]
          : [];
        events.push({ kind: 'result', outcome: 'success', text: lastMessage });
        return events;
      }
      case 'turn.failed': {
        const error = obj(line.error);
        return [errorNotice(str(error?.message) ?? str(line.error) ?? 'turn failed')];
      }
      case 'error': return [errorNotice(str(line.message) ?? 'error')];
      case 'item.started': return item(line.item, false);
      case 'item.completed': return item(line.item, true);
      default: return [];
    }
  };
}
