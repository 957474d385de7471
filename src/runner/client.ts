// The runner's side of the HTTP exchange with `jobctl serve` (serve/routes-runner.ts): one
// request at a time per call, each with its own deadline, the runner's token and version on
// every request. A failure that another try may mend (no answer, a 5xx, an answer that is not
// jobctl's: a proxy's 404 page) is `retryable`. A refusal is an answer that is jobctl's JSON
// error: its code is kept and `details.refused` set (isRefusal), so that only the server's own
// word — never a proxy's page or a local failure — makes the runner give a job up.
import { JobError, type ErrorCode } from '../errors.js';
import { VERSION } from '../version.js';

export class RunnerClient {
  private readonly base: string;

  constructor(server: string, private readonly name: string, private readonly token: string) {
    this.base = server.replace(/\/+$/, '');
  }

  /** The JSON answer of one request; rejects with a JobError (`retryable` when worth retrying). */
  async call(method: 'GET' | 'POST', path: string, body: unknown, timeoutMs: number): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await fetch(`${this.base}/v1/runners/${encodeURIComponent(this.name)}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          'x-jobctl-version': VERSION,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      const cause = (err as { cause?: { message?: string } }).cause?.message;
      throw new JobError('executor_unavailable', `cannot reach ${this.base}: ${cause ?? (err as Error).message}`, { server: this.base }, true);
    }
    let json: Record<string, unknown> | undefined;
    try {
      json = (await response.json()) as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    if (response.ok && json !== undefined && json['ok'] === true) return json;
    const error = json?.['ok'] === false ? (json['error'] as { code?: unknown; message?: unknown } | undefined) : undefined;
    if (typeof error?.code === 'string' && typeof error.message === 'string' && response.status < 500) {
      throw new JobError(error.code as ErrorCode, `${this.base}: ${response.status} ${error.message}`, { server: this.base, status: response.status, refused: true });
    }
    throw new JobError('executor_unavailable', `${this.base}: ${response.status} ${response.statusText} (not an answer of jobctl serve)`, { server: this.base, status: response.status }, true);
  }
}

/** True for the server's own refusal with one of `codes` (a jobctl JSON error, not a proxy's page). */
export const isRefusal = (err: unknown, codes: readonly string[]): boolean =>
  err instanceof JobError && err.details?.['refused'] === true && codes.includes(err.code);
