// Runs the built `bin/jobctl serve` on a loopback port picked by the kernel (--listen
// 127.0.0.1:0) against a test's root, reads its one ready line, and talks to it over real HTTP.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { request as httpRequest } from 'node:http';
import { BIN, testEnv, waitFor, assertMatchesSchema } from './jobctl.mjs';

/**
 * Starts a server; resolves { url, port, token, proc, stderr, ready, stop() }. It is stopped
 * (SIGTERM, then SIGKILL) after the test. `env` is laid over the test environment; `listen`
 * names a port to take again (a server restarted where its clients expect it).
 */
export async function startServe(t, root, { args = [], env = {}, cwd, listen = '127.0.0.1:0' } = {}) {
  const proc = spawn(BIN, ['serve', '--root', root, '--listen', listen, ...args], { env: { ...testEnv(root), ...env }, cwd: cwd ?? dirname(root), stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  let stdout = '';
  proc.stderr.on('data', (d) => stderr.push(d));
  proc.stdout.on('data', (d) => (stdout += d));
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  t.after(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  const line = await Promise.race([
    waitFor(() => stdout.includes('\n') && stdout, { timeoutMs: 20000, what: 'the ready line of jobctl serve' }),
    exited.then(({ code }) => { throw new Error(`jobctl serve exited ${code}: ${stdout}${Buffer.concat(stderr)}`); }),
  ]);
  const ready = JSON.parse(line.trim());
  assertMatchesSchema('serve', ready);
  const token = env.JOBCTL_TOKEN ?? readFileSync(ready.token_file, 'utf8').trim();
  const server = {
    url: ready.url, port: Number(new URL(ready.url).port), token, proc, ready, exited,
    stdout: () => stdout,
    stderr: () => Buffer.concat(stderr).toString('utf8'),
    /** SIGTERM; resolves the exit. */
    async stop(signal = 'SIGTERM') {
      proc.kill(signal);
      return exited;
    },
    request: (method, path, opts = {}) => request(server.port, method, path, { token, ...opts }),
  };
  return server;
}

/** The server's body limit (src/serve/body.ts MAX_BODY_BYTES). */
const BODY_LIMIT = 1024 * 1024;

/**
 * One HTTP request. `body`: an object (sent as JSON) or a string/Buffer (sent as it is);
 * `token` null sends no Authorization header. Resolves { status, headers, text, json }.
 */
export function request(port, method, path, { body, token, headers = {}, contentType } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
    const h = { ...headers };
    if (token !== null && token !== undefined) h.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      h['content-type'] = contentType ?? h['content-type'] ?? 'application/json';
      h['content-length'] = Buffer.byteLength(payload);
    }
    // A body over the server's limit is refused from its Content-Length before it is read: only
    // its start is sent, so the answer never cuts the client off in the middle of a write (EPIPE).
    const bytes = payload === undefined ? undefined : Buffer.from(payload);
    const sent = bytes !== undefined && bytes.length > BODY_LIMIT ? bytes.subarray(0, 64 * 1024) : bytes;
    let answered = false;
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers: h, agent: false }, (res) => {
      answered = true;
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
      res.on('error', reject);
    });
    // A server answering before the whole body is sent (413) may close the connection under us.
    req.on('error', (err) => { if (!answered) reject(err); });
    if (sent !== undefined) req.write(sent);
    if (sent === bytes) req.end();
  });
}
