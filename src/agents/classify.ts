// Tells a rate limit or an authentication failure from any other error, by the wording of the
// message an agent CLI printed. One helper for every agent so the same words mean the same thing.
import type { AgentOutcome } from './types.js';

const RATE_LIMITED = /rate[ _-]?limit|hit your (usage )?limit|usage limit|\b429\b|quota|too many requests|resource[ _-]?exhausted/i;
const AUTH_ERROR = /api[ _-]?key|\blog ?in\b|authenticat|unauthori[sz]ed|\b401\b|\b403\b|credential|forbidden|\bauth\b|AuthError|oauth|token (has )?expired/i;

/** 'rate_limited' or 'auth_error' when the text says so, else undefined (a limit wins over auth). */
export function classifyMessage(message: string | undefined): Extract<AgentOutcome, 'rate_limited' | 'auth_error'> | undefined {
  if (!message) return undefined;
  if (RATE_LIMITED.test(message)) return 'rate_limited';
  if (AUTH_ERROR.test(message)) return 'auth_error';
  return undefined;
}
