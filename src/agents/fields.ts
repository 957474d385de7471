// Shared by the agent line parsers: narrowing readers for parsed JSON (no `any`), one-line
// excerpts with a length cap, and the one-line summary of a tool call's input.
import type { AgentEvent } from './types.js';

export type JsonObject = Record<string, unknown>;

/** A stateful parser of one agent's JSON lines: each object gives zero or more events. */
export type LineParser = (line: JsonObject) => AgentEvent[];

export const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
export const obj = (v: unknown): JsonObject | undefined => (isObject(v) ? v : undefined);
export const arr = (v: unknown): readonly unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** A non-empty string, else undefined. */
export const text = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/** At most `max` chars; a cut is marked with an ellipsis and never splits a surrogate pair. */
export function cap(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = max - 1;
  const code = value.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${value.slice(0, end)}…`;
}

/** Whitespace runs (newlines included) folded to one space, then capped. */
export const oneLine = (value: string, max = 200): string => cap(value.replace(/\s+/g, ' ').trim(), max);

const SUMMARY_KEYS = ['command', 'cmd', 'file_path', 'filePath', 'path', 'pattern', 'url', 'query', 'prompt'];

/** A tool input in one line: its most telling field when it has one, else compact JSON. */
export function summarizeInput(input: unknown): string {
  if (typeof input === 'string') return oneLine(input);
  if (Array.isArray(input) && input.length > 0 && input.every((v) => typeof v === 'string')) return oneLine(input.join(' '));
  if (isObject(input)) {
    for (const key of SUMMARY_KEYS) {
      const value = input[key];
      if (typeof value === 'string' && value.trim() !== '') return oneLine(value);
      if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string')) return oneLine(value.join(' '));
    }
  }
  return input === undefined ? '' : oneLine(JSON.stringify(input) ?? '');
}

/** ISO time from an RFC 3339 string or epoch milliseconds; undefined when it is neither. */
export function isoTime(v: unknown): string | undefined {
  const ms = typeof v === 'number' ? v : typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) return undefined;
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** Sets the stream's own time on events that have none. */
export function stamp(events: AgentEvent[], at: string | undefined): AgentEvent[] {
  if (at === undefined) return events;
  return events.map((e) => (e.at === undefined ? { ...e, at } : e));
}
