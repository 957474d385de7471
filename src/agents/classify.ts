// Tells a rate limit or an authentication failure from any other error, by the wording of the
// message an agent CLI printed (one helper for every agent, so the same words mean the same
// thing), and says how a run ended when its stream gave no result line.
import { cap, oneLine } from './fields.js';
import type { AgentName, AgentOutcome } from './types.js';

const RATE_LIMITED = /rate[ _-]?limit|hit your (usage )?limit|usage limit|\b429\b|quota|too many requests|resource[ _-]?exhausted/i;
const AUTH_ERROR = /api[ _-]?key|\blog ?in\b|authenticat|unauthori[sz]ed|\b401\b|\b403\b|credential|forbidden|\bauth\b|AuthError|oauth|token (has )?expired/i;

/**
 * For a bare stderr line (no event type to go by): only unmistakable wording, no status numbers
 * or words that also appear in paths, stack frames or unrelated errors ("quota", "auth").
 */
const STDERR_RATE_LIMITED = /rate[ _-]?limit(ed)?\b|hit your (usage )?limit|usage limit|too many requests/i;
const STDERR_AUTH_ERROR = /invalid (x-)?api[ _-]?key|api[ _-]?key (is )?(missing|not set|invalid)|please run \/login|not logged in|unauthori[sz]ed|authentication (failed|required|error)|invalid credentials/i;

export function classifyStderr(line: string): Extract<AgentOutcome, 'rate_limited' | 'auth_error'> | undefined {
  if (STDERR_RATE_LIMITED.test(line)) return 'rate_limited';
  if (STDERR_AUTH_ERROR.test(line)) return 'auth_error';
  return undefined;
}

/** 'rate_limited' or 'auth_error' when the text says so, else undefined (a limit wins over auth). */
export function classifyMessage(message: string | undefined): Extract<AgentOutcome, 'rate_limited' | 'auth_error'> | undefined {
  if (!message) return undefined;
  if (RATE_LIMITED.test(message)) return 'rate_limited';
  if (AUTH_ERROR.test(message)) return 'auth_error';
  return undefined;
}

/** How the agent's process ended, as the supervisor saw it. */
export interface AgentEnd {
  exitCode?: number;
  signal?: string;
  /** The supervisor stopped the CLI for its turn limit (decides only without a result line). */
  stoppedForMaxTurns?: boolean;
  killed?: boolean;
  timedOut?: boolean;
  /** The last line the CLI printed on stderr: says why when no result line came. */
  stderrLine?: string;
}

export type Verdict = { outcome: AgentOutcome; message: string };

/** What the stream showed that bears on an end without a result line. */
export interface StreamFacts {
  agent: AgentName;
  turns: number;
  maxTurns?: number;
  /** A rate limit or auth failure notice nothing happened after. */
  notice?: Verdict;
  /** The latest error notice's message. */
  lastError?: string;
}

const MESSAGE_CHARS = 500;
const STDERR_CHARS = 300;

/** Gemini CLI exit codes that name the failure when no result line came. */
const GEMINI_EXITS: Record<number, Verdict> = {
  41: { outcome: 'auth_error', message: 'gemini exited 41: authentication failed' },
  42: { outcome: 'error', message: 'gemini exited 42: invalid input' },
  52: { outcome: 'error', message: 'gemini exited 52: configuration error' },
  53: { outcome: 'max_turns', message: 'gemini exited 53: session turn limit reached' },
  54: { outcome: 'error', message: 'gemini exited 54: tool execution error' },
};

/**
 * The outcome of a run that ended without a result line. jobctl's own stop (turn limit, then
 * timeout, then kill) comes first; then a Gemini exit code; then a rate limit or auth notice
 * still standing at the end; else an error, classified by the last stderr line when it names a
 * limit or a login problem. The stderr line is appended unless jobctl stopped the run.
 */
export function endVerdict(end: AgentEnd, facts: StreamFacts): Verdict {
  if (end.stoppedForMaxTurns) {
    return { outcome: 'max_turns', message: `stopped by jobctl after ${facts.turns} turns (--max-turns ${facts.maxTurns ?? facts.turns})` };
  }
  const standing = facts.notice ? `; last notice: ${facts.notice.message}` : '';
  if (end.timedOut) return { outcome: 'error', message: cap(`timed out${standing}`, MESSAGE_CHARS) };
  if (end.killed) return { outcome: 'error', message: cap(`killed${standing}`, MESSAGE_CHARS) };
  const stderr = end.stderrLine !== undefined ? oneLine(end.stderrLine, STDERR_CHARS) : '';
  const suffix = stderr !== '' ? `; stderr: ${stderr}` : '';
  const withStderr = (v: Verdict): Verdict => ({ outcome: v.outcome, message: `${cap(v.message, MESSAGE_CHARS - suffix.length)}${suffix}` });
  const gemini = facts.agent === 'gemini' && end.exitCode !== undefined ? GEMINI_EXITS[end.exitCode] : undefined;
  if (gemini) return withStderr(gemini);
  if (facts.notice) return withStderr(facts.notice);
  const how = end.signal !== undefined ? `signal ${end.signal}` : `exit code ${end.exitCode ?? 'unknown'}`;
  const last = facts.lastError !== undefined ? `: ${facts.lastError}` : '';
  return withStderr({ outcome: classifyStderr(stderr) ?? 'error', message: `the agent ended without a result line (${how})${last}` });
}
