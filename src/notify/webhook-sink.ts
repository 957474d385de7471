// Webhook sink: POSTs the event JSON. With a secret, `X-Jobctl-Signature: sha256=<hex HMAC of
// the body>` lets the receiver check it came from jobctl. Network errors, timeouts and 5xx are
// retried with exponential backoff; a 4xx is final. Every attempt is recorded. Never throws.
import { createHmac } from 'node:crypto';
import type { DeliveryResult } from './events.js';
import { nowIso } from '../util/time.js';

export interface WebhookSettings {
  url: string;
  secret?: string | undefined;
  timeoutMs: number;
  attempts: number;
}

const BACKOFF_BASE_MS = 250;

export function signature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

async function attempt(settings: WebhookSettings, body: string, eventType: string): Promise<DeliveryResult & { retry: boolean }> {
  const attemptedAt = nowIso();
  const started = Date.now();
  const base = { sink: 'webhook' as const, target: settings.url, attempted_at: attemptedAt };
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json', 'x-jobctl-event': eventType };
    if (settings.secret) headers['x-jobctl-signature'] = signature(body, settings.secret);
    const res = await fetch(settings.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(settings.timeoutMs), redirect: 'manual' });
    await res.arrayBuffer().catch(() => undefined);
    const duration = Date.now() - started;
    if (res.status >= 200 && res.status < 300) return { ...base, ok: true, status: res.status, duration_ms: duration, retry: false };
    return { ...base, ok: false, status: res.status, error: `HTTP ${res.status}`, duration_ms: duration, retry: res.status >= 500 };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const why = e.name === 'TimeoutError' ? `timed out after ${settings.timeoutMs}ms` : (e.cause?.code ?? e.message);
    return { ...base, ok: false, error: why, duration_ms: Date.now() - started, retry: true };
  }
}

export async function postWebhook(settings: WebhookSettings, eventJson: string, eventType: string): Promise<DeliveryResult[]> {
  const results: DeliveryResult[] = [];
  for (let n = 1; n <= settings.attempts; n++) {
    const { retry, ...result } = await attempt(settings, eventJson, eventType);
    results.push(result);
    if (result.ok || !retry || n === settings.attempts) break;
    await new Promise((r) => setTimeout(r, BACKOFF_BASE_MS * 2 ** (n - 1)));
  }
  return results;
}
