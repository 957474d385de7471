// The runner's side of the HTTP exchange with `jobctl serve` (serve/routes-runner.ts): one
// request at a time per call, each with its own deadline, the runner's token and version on
// every request. A failure that another try may mend (no answer, a 5xx) is `retryable`; a
// refusal (401, 404, 409, 400) is not.
import { JobError } from '../errors.js';
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
    if (response.ok && json !== undefined) return json;
    const error = (json?.['error'] ?? {}) as { code?: string; message?: string };
    const code = response.status === 401 ? 'unauthorized' : response.status === 404 ? 'job_not_found' : response.status === 409 ? 'invalid_state' : response.status === 400 ? 'usage_error' : 'executor_unavailable';
    throw new JobError(code, `${this.base}: ${response.status} ${error.message ?? response.statusText}`, { server: this.base, status: response.status }, response.status >= 500);
  }
}
