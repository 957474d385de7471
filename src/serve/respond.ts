// Writing answers: every response but the dashboard's files and the event stream is one JSON
// object (`content-type: application/json`, never cached); an error is the CLI's error object
// with the HTTP status its code maps to. No stack trace is ever written to a client.
import type { ServerResponse } from 'node:http';
import { toJobError, type ErrorCode, type JobError } from '../errors.js';
import { errorEnvelope, redactOutput } from '../output.js';
import { log } from '../log.js';

/** The HTTP status of each error code; a code not listed is 500. */
const STATUS: Partial<Record<ErrorCode, number>> = {
  usage_error: 400,
  invalid_duration: 400,
  invalid_tag: 400,
  invalid_signal: 400,
  invalid_pattern: 400,
  unauthorized: 401,
  job_not_found: 404,
  queue_not_found: 404,
  executor_not_found: 404,
  not_found: 404,
  method_not_allowed: 405,
  ambiguous_job_id: 409,
  invalid_state: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  executor_unavailable: 503,
};

export const statusOf = (code: ErrorCode): number => STATUS[code] ?? 500;

export const SECURITY_HEADERS = { 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' } as const;

export function sendJson(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** Anything thrown, as the CLI's error object (redacted like a printed error). */
export function sendError(res: ServerResponse, err: unknown, headers: Record<string, string> = {}): void {
  const e: JobError = toJobError(err);
  const status = statusOf(e.code);
  if (status === 500) log.warn(`serve: ${e.code}: ${e.message}`);
  sendJson(res, status, redactOutput(errorEnvelope(e)), headers);
}
