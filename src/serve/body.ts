// Reading a request's body: JSON only (`content-type: application/json`, else 415), at most
// MAX_BODY_BYTES (a job's `stdin` content counts; more is 413, decided from Content-Length
// before anything is read when it says so), and an object (else 400). An empty body is `{}`
// where the route allows one (kill, restart).
import type { IncomingMessage } from 'node:http';
import { JobError, usageError } from '../errors.js';

export const MAX_BODY_BYTES = 1024 * 1024;

const tooLarge = (): JobError => new JobError('payload_too_large', `the request body is larger than ${MAX_BODY_BYTES} bytes (a job's stdin included; give a larger input as stdin_file)`, { max_bytes: MAX_BODY_BYTES });

function isJson(contentType: string | undefined): boolean {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
  return type === 'application/json' || (type !== undefined && /^application\/[a-z0-9.+-]+\+json$/.test(type));
}

/** The raw bytes, stopped at the limit (the rest is not read: the connection is closed after the answer). */
function readBytes(req: IncomingMessage): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > MAX_BODY_BYTES) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

/** True when the request announces a body (Content-Length above 0, or chunked). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return length !== undefined ? length !== '0' : req.headers['transfer-encoding'] !== undefined;
}

/** The body as an object; `required` false lets an empty body stand for `{}`. */
export async function readJsonBody(req: IncomingMessage, required: boolean): Promise<Record<string, unknown>> {
  if (hasBody(req) && !isJson(req.headers['content-type'])) {
    throw new JobError('unsupported_media_type', `the body must be JSON (content-type: application/json), not ${JSON.stringify((req.headers['content-type'] ?? 'none').slice(0, 100))}`);
  }
  const bytes = await readBytes(req);
  if (bytes.length === 0) {
    if (required) throw usageError('a JSON object body is required');
    return {};
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw usageError(`the body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw usageError('the body must be a JSON object');
  return value as Record<string, unknown>;
}
