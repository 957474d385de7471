// Claude Code `--output-format stream-json --verbose` lines → normalised events.
// Turns: one per new assistant `message.id` (a message's content blocks may come on several
// lines sharing the id); lines of a sub-agent (parent_tool_use_id set) give tool calls and
// results but neither turns nor text. Usage: every assistant line repeats its message's usage so
// far, so per message id only the growth since the last line is added (input counts cached
// prompt tokens too, as Codex and Gemini do); the result line's usage then replaces the sum as
// the CLI's own cumulative total. Cost comes only from the result (total_cost_usd, cumulative).
import { classifyMessage } from './classify.js';
import { arr, num, obj, oneLine, str, summarizeInput, text, type JsonObject, type LineParser } from './fields.js';
import type { AgentEvent, AgentOutcome } from './types.js';

const TRACKED_MESSAGES = 64;

type Tokens = { input: number; output: number };

function tokens(usage: JsonObject): Tokens {
  const n = (key: string): number => num(usage[key]) ?? 0;
  return {
    input: n('input_tokens') + n('cache_creation_input_tokens') + n('cache_read_input_tokens'),
    output: n('output_tokens'),
  };
}

/** A tool_result's content (a string or text blocks) as a short excerpt. */
function resultExcerpt(content: unknown): string | undefined {
  if (typeof content === 'string') return oneLine(content);
  const parts = arr(content).map((b) => str(obj(b)?.text)).filter((t): t is string => t !== undefined);
  return parts.length > 0 ? oneLine(parts.join(' ')) : undefined;
}

function system(line: JsonObject): AgentEvent[] {
  if (line.subtype === 'init') return [{ kind: 'session', session_id: str(line.session_id), model: str(line.model) }];
  if (line.subtype !== 'api_retry') return [];
  const cause = [num(line.error_status), str(line.error)].filter((v) => v !== undefined).join(' ');
  const delay = num(line.retry_delay_ms);
  const message = `API error${cause ? ` ${cause}` : ''}, retry ${num(line.attempt) ?? '?'}/${num(line.max_retries) ?? '?'}` +
    (delay !== undefined ? ` in ${Math.round(delay / 1000)}s` : '');
  return [{ kind: 'notice', level: 'warning', message, outcome: classifyMessage(cause) }];
}

function rateLimit(line: JsonObject): AgentEvent[] {
  const info = obj(line.rate_limit_info);
  if (info?.status !== 'rejected') return [];
  const kind = str(info.rateLimitType);
  const resets = num(info.resetsAt);
  const message = `rate limit reached${kind ? ` (${kind})` : ''}` +
    (resets !== undefined ? `, resets ${new Date(resets * 1000).toISOString()}` : '');
  return [{ kind: 'notice', level: 'warning', message, outcome: 'rate_limited' }];
}

function result(line: JsonObject): AgentEvent[] {
  const events: AgentEvent[] = [];
  const usage = obj(line.usage);
  if (usage) {
    const t = tokens(usage);
    events.push({ kind: 'usage', input_tokens: t.input, output_tokens: t.output, cumulative: true });
  }
  const cost = num(line.total_cost_usd);
  if (cost !== undefined) events.push({ kind: 'cost', usd: cost, cumulative: true });
  const subtype = str(line.subtype);
  const turns = num(line.num_turns);
  const answer = str(line.result);
  const errors = arr(line.errors).filter((e): e is string => typeof e === 'string').join('; ');
  const detail = oneLine(text(answer) ?? text(errors) ?? subtype ?? 'no detail', 500);
  let outcome: AgentOutcome;
  let message: string | undefined;
  if (subtype === 'success' && line.is_error !== true) {
    outcome = 'success';
  } else if (subtype === 'error_max_turns') {
    outcome = 'max_turns';
    message = `reached the turn limit${turns !== undefined ? ` after ${turns} turns` : ''}`;
  } else if (subtype === 'error_max_budget_usd') {
    outcome = 'error';
    message = 'reached the budget limit (--max-budget-usd)';
  } else {
    outcome = classifyMessage(detail) ?? 'error';
    message = detail;
  }
  events.push({
    kind: 'result', outcome, turns, message, session_id: str(line.session_id),
    text: outcome === 'success' ? answer : undefined,
  });
  return events;
}

export function createClaudeParser(): LineParser {
  const usageById = new Map<string, Tokens>();
  let lastMessageId: string | undefined;

  /** The growth of a message's usage since its last line, as an additive usage event. */
  function usageGrowth(id: string | undefined, usage: JsonObject): AgentEvent[] {
    const now = tokens(usage);
    const before = id !== undefined ? usageById.get(id) : undefined;
    if (id !== undefined) {
      usageById.delete(id);
      usageById.set(id, { input: Math.max(now.input, before?.input ?? 0), output: Math.max(now.output, before?.output ?? 0) });
      if (usageById.size > TRACKED_MESSAGES) usageById.delete(usageById.keys().next().value ?? '');
    }
    const input = Math.max(0, now.input - (before?.input ?? 0));
    const output = Math.max(0, now.output - (before?.output ?? 0));
    return input > 0 || output > 0 ? [{ kind: 'usage', input_tokens: input, output_tokens: output, cumulative: false }] : [];
  }

  function assistant(line: JsonObject): AgentEvent[] {
    const message = obj(line.message);
    if (!message) return [];
    const sub = typeof line.parent_tool_use_id === 'string';
    const id = str(message.id);
    const events: AgentEvent[] = [];
    if (!sub && (id === undefined || id !== lastMessageId)) events.push({ kind: 'turn' });
    if (!sub) lastMessageId = id;
    for (const item of arr(message.content)) {
      const block = obj(item);
      if (block?.type === 'text' && !sub) {
        const t = text(block.text);
        if (t !== undefined) events.push({ kind: 'text', text: t });
      } else if (block?.type === 'tool_use') {
        events.push({ kind: 'tool_call', id: str(block.id), name: str(block.name) ?? 'tool', input: summarizeInput(block.input) });
      }
    }
    const usage = obj(message.usage);
    if (usage) events.push(...usageGrowth(id, usage));
    return events;
  }

  function user(line: JsonObject): AgentEvent[] {
    const events: AgentEvent[] = [];
    for (const item of arr(obj(line.message)?.content)) {
      const block = obj(item);
      if (block?.type !== 'tool_result') continue;
      events.push({ kind: 'tool_result', id: str(block.tool_use_id), ok: block.is_error !== true, output: resultExcerpt(block.content) });
    }
    return events;
  }

  return (line) => {
    switch (line.type) {
      case 'system': return system(line);
      case 'assistant': return assistant(line);
      case 'user': return user(line);
      case 'result': return result(line);
      case 'rate_limit_event': return rateLimit(line);
      default: return [];
    }
  };
}
