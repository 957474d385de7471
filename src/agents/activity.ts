// The activity record of one agent run (agent.json, `status.agent`), accumulated from the
// normalised events of its stream, and the run's outcome once it ended. A result line decides
// the outcome; without one the run failed, whatever the exit code, and `finish` says why
// (classify.ts endVerdict). A rate limit or auth notice only stands while nothing happened
// after it: a later turn, text or tool call shows the run went on.
import { classifyMessage, endVerdict, type AgentEnd, type Verdict } from './classify.js';
import { cap } from './fields.js';
import type { AgentActivity, AgentEvent, AgentName, AgentOutcome, ToolCallRecord } from './types.js';

export type { AgentEnd } from './classify.js';

const LAST_TOOL_CALLS = 10;
const TEXT_CHARS = 1000;
const MESSAGE_CHARS = 500;

const DEFAULT_MESSAGES: Record<AgentOutcome, string> = {
  success: '',
  max_turns: 'reached the turn limit',
  rate_limited: 'rate limited',
  auth_error: 'authentication failed',
  error: 'the agent reported an error',
};

const round = (usd: number): number => Math.round(usd * 1e9) / 1e9;

function findLast(calls: readonly ToolCallRecord[], match: (c: ToolCallRecord) => boolean): ToolCallRecord | undefined {
  for (let i = calls.length - 1; i >= 0; i -= 1) {
    const call = calls[i];
    if (call && match(call)) return call;
  }
  return undefined;
}

export class Activity {
  private readonly rec: AgentActivity;
  private result: boolean;
  /** The text of the current assistant message (a little over the excerpt size at most). */
  private text: string;
  /** True while delta pieces may still extend the current message. */
  private deltaOpen = false;
  /** A rate limit or auth failure announced by a notice and not followed by any progress. */
  private noticeVerdict: Verdict | undefined;

  constructor(agent: AgentName, maxTurns?: number, initial?: AgentActivity) {
    this.rec = initial
      ? structuredClone(initial)
      : { agent, turns: 0, tool_calls: 0, last_tool_calls: [], tokens: { input: 0, output: 0 }, events: 0, raw_lines: 0, updated_at: new Date().toISOString() };
    this.rec.agent = agent;
    if (maxTurns !== undefined) this.rec.max_turns = maxTurns;
    this.result = this.rec.outcome !== undefined;
    this.text = this.rec.last_text ?? '';
    const notice = this.rec.last_notice;
    const outcome = notice && notice.level !== 'info' ? classifyMessage(notice.message) : undefined;
    if (notice && outcome) this.noticeVerdict = { outcome, message: notice.message };
  }

  get turns(): number {
    return this.rec.turns;
  }

  /** True once the CLI's result line was seen (and not undone by a later error). */
  get resultSeen(): boolean {
    return this.result;
  }

  /** Applies a batch of events; true when the record changed (any event counts). */
  apply(events: readonly AgentEvent[], now: string): boolean {
    for (const event of events) this.applyOne(event, now);
    if (events.length === 0) return false;
    this.rec.updated_at = now;
    return true;
  }

  record(): AgentActivity {
    return structuredClone(this.rec);
  }

  /**
   * Sets the outcome from how the run ended. A result line seen decides; otherwise the end does
   * (endVerdict: jobctl's stop, a Gemini exit code, a standing notice, the last stderr line).
   */
  finish(end: AgentEnd, now: string): AgentActivity {
    const r = this.rec;
    if (!this.result || r.outcome === undefined) {
      const notice = r.last_notice;
      const v = endVerdict(end, {
        agent: r.agent, turns: r.turns, maxTurns: r.max_turns, notice: this.noticeVerdict,
        lastError: notice?.level === 'error' ? notice.message : undefined,
      });
      this.setOutcome(v.outcome, v.message);
    }
    r.updated_at = now;
    return this.record();
  }

  private setOutcome(outcome: AgentOutcome, message: string | undefined): void {
    this.rec.outcome = outcome;
    if (outcome === 'success') delete this.rec.outcome_message;
    else this.rec.outcome_message = cap(message || DEFAULT_MESSAGES[outcome], MESSAGE_CHARS);
  }

  private setText(value: string, append: boolean): void {
    this.text = (append ? this.text + value : value).slice(0, TEXT_CHARS + 1);
    this.rec.last_text = cap(this.text, TEXT_CHARS);
  }

  private applyOne(e: AgentEvent, now: string): void {
    const r = this.rec;
    if (e.kind === 'raw') {
      r.raw_lines += 1;
      return;
    }
    r.events += 1;
    switch (e.kind) {
      case 'session':
        if (e.session_id) r.session_id = e.session_id;
        if (e.model) r.model = e.model;
        return;
      case 'turn':
        r.turns += 1;
        this.deltaOpen = false;
        this.noticeVerdict = undefined;
        return;
      case 'text':
        this.noticeVerdict = undefined;
        this.setText(e.text, e.delta === true && this.deltaOpen);
        this.deltaOpen = e.delta === true;
        return;
      case 'tool_call':
        this.deltaOpen = false;
        this.noticeVerdict = undefined;
        r.tool_calls += 1;
        r.last_tool_calls.push({ ...(e.id !== undefined ? { id: e.id } : {}), name: e.name, input: cap(e.input, 200), status: 'running', at: e.at ?? now });
        if (r.last_tool_calls.length > LAST_TOOL_CALLS) r.last_tool_calls.splice(0, r.last_tool_calls.length - LAST_TOOL_CALLS);
        return;
      case 'tool_result': {
        this.deltaOpen = false;
        this.noticeVerdict = undefined;
        const calls = r.last_tool_calls;
        const byId = e.id !== undefined ? findLast(calls, (c) => c.id === e.id) : undefined;
        // Without a matching id, the latest running call that could be it.
        const call = byId ?? findLast(calls, (c) => c.status === 'running' && (e.id === undefined || c.id === undefined));
        if (call) call.status = e.ok ? 'ok' : 'error';
        return;
      }
      case 'usage':
        if (e.cumulative) {
          if (e.input_tokens !== undefined) r.tokens.input = e.input_tokens;
          if (e.output_tokens !== undefined) r.tokens.output = e.output_tokens;
        } else {
          r.tokens.input += e.input_tokens ?? 0;
          r.tokens.output += e.output_tokens ?? 0;
        }
        return;
      case 'cost':
        r.cost_usd = round(e.cumulative ? e.usd : (r.cost_usd ?? 0) + e.usd);
        return;
      case 'notice':
        r.last_notice = { level: e.level, message: cap(e.message, MESSAGE_CHARS), at: e.at ?? now };
        if (e.outcome === 'rate_limited' || e.outcome === 'auth_error') this.noticeVerdict = { outcome: e.outcome, message: r.last_notice.message };
        if (e.level === 'error' && this.result) {
          // An error after a result (Codex: turn.failed after turn.completed) undoes it.
          this.result = false;
          delete r.outcome;
          delete r.outcome_message;
        }
        return;
      case 'result':
        this.result = true;
        this.deltaOpen = false;
        if (e.turns !== undefined) r.turns = e.turns;
        if (e.session_id) r.session_id = e.session_id;
        if (e.text) this.setText(e.text, false);
        this.setOutcome(e.outcome, e.message);
        return;
    }
  }
}
