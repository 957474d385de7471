// Coding-agent payloads: what a job definition records about the agent it runs, the events
// parsed from an agent's JSONL stream (one vocabulary for every CLI), and the activity record
// the supervisor keeps from them (agent.json, shown by `status` under `agent`).

export const AGENT_NAMES = ['claude', 'codex', 'gemini', 'opencode'] as const;
export type AgentName = (typeof AGENT_NAMES)[number];

/** How an agent run ended, judged from its stream (and the exit when the stream says nothing). */
export type AgentOutcome = 'success' | 'max_turns' | 'rate_limited' | 'auth_error' | 'error';

/** meta.agent: the agent a job runs. The prompt itself is in the job's prompt file (0600). */
export interface AgentSpec {
  name: AgentName;
  /** The program run: the executor's `<name>_path`, else the bare name (found on PATH). */
  binary: string;
  model?: string;
  max_turns?: number;
  /** A new session with this id (--session). */
  session?: string;
  /** An existing session continued (--resume). */
  resume?: string;
  permission_mode?: string;
  /** True when the CLI enforces max_turns itself; otherwise the supervisor stops it. */
  cli_limits_turns: boolean;
  /** Bytes of the prompt (the text is only in the prompt file). */
  prompt_bytes: number;
}

/** One normalised event of an agent's stream. `at` is the stream's own time when it has one. */
export type AgentEvent = { at?: string } & (
  /** Session started or identified (Claude system/init, Codex thread.started, Gemini init...). */
  | { kind: 'session'; session_id?: string; model?: string }
  /** A model response begins (one turn). */
  | { kind: 'turn' }
  /** Assistant text (a whole message or a delta of one). */
  | { kind: 'text'; text: string; delta?: boolean }
  /** A tool call; `input` is a short one-line summary of its input (at most 200 chars). */
  | { kind: 'tool_call'; id?: string; name: string; input: string }
  /** A tool call's result; `output` is a short excerpt. */
  | { kind: 'tool_result'; id?: string; ok: boolean; output?: string }
  /** Token use: `cumulative` totals replace what was counted, otherwise they add up. */
  | { kind: 'usage'; input_tokens?: number; output_tokens?: number; cumulative: boolean }
  /** Cost so far in USD (`cumulative`) or of one step. */
  | { kind: 'cost'; usd: number; cumulative: boolean }
  /** A notice that is not the end: API retry, rate limit hit, warning, stream error. */
  | { kind: 'notice'; level: 'info' | 'warning' | 'error'; message: string; outcome?: AgentOutcome }
  /** The CLI's final word on the run. */
  | { kind: 'result'; outcome: AgentOutcome; text?: string; turns?: number; message?: string; session_id?: string }
  /** A line that is not JSON (kept as raw output). */
  | { kind: 'raw'; text: string }
);

export interface ToolCallRecord {
  id?: string;
  name: string;
  input: string;
  status: 'running' | 'ok' | 'error';
  at: string;
}

/** agent.json / status.agent: what the agent is doing and, once ended, how it ended. */
export interface AgentActivity {
  agent: AgentName;
  session_id?: string;
  model?: string;
  turns: number;
  max_turns?: number;
  tool_calls: number;
  /** The last 10 tool calls, oldest first. */
  last_tool_calls: ToolCallRecord[];
  tokens: { input: number; output: number };
  cost_usd?: number;
  /** Excerpt (at most 1000 chars) of the latest assistant text; the final answer once ended. */
  last_text?: string;
  /** Set once the run ended (or the CLI printed its result). */
  outcome?: AgentOutcome;
  /** Why, when the outcome is not success (the CLI's message, or what jobctl saw). */
  outcome_message?: string;
  /** Latest notice (rate limit, API retry, warning). */
  last_notice?: { level: 'info' | 'warning' | 'error'; message: string; at: string };
  /** Normalised events applied (raw lines not included) and stream lines kept raw (not JSON objects). */
  events: number;
  raw_lines: number;
  updated_at: string;
}
