// `jobctl serve`: HTTP/JSON over the job store. Every /v1 route is one command called through
// the library (serve/call.ts) with the server's root and config, so a job started here is the
// job `jobctl list` shows. Invariants: every route but `GET /healthz` and the dashboard's files
// checks the bearer token before reading a body or touching the store; every answer is JSON
// (except the dashboard's files and the event stream) and no stack trace reaches a client. The
// server's end — SIGTERM/SIGINT — closes the listener and every open stream and touches no job;
// it waits for the requests that change jobs (POST, DELETE: a launch is never cut in half) and
// drops pending reads (a wait is only an observation). While it listens its presence is recorded
// in the store (store/serve-presence.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { JobError, toJobError, usageError } from '../errors.js';
import { errorEnvelope } from '../output.js';
import { log } from '../log.js';
import type { ListenAddress } from '../util/listen-address.js';
import { CHALLENGE, tokenCheck, type TokenCheck } from './auth.js';
import type { CallScope } from './call.js';
import { sendError, sendJson } from './respond.js';
import { matchRoute, type Route } from './router.js';
import { jobRoutes } from './routes-jobs.js';
import { dashboardRoutes } from './routes-dashboard.js';
import { eventRoutes } from './routes-events.js';
import { runnerRoutes } from './routes-runner.js';
import { splitTarget } from './query.js';
import { hasBody } from './body.js';
import { announceServe } from '../store/serve-presence.js';

export interface ServeOptions extends CallScope {
  listen: ListenAddress;
  token: string;
  dashboardDir: string;
}

export interface RunningServer {
  /** The port actually bound (port 0 picks one). */
  port: number;
  /** Ends the server: listener closed, streams ended, changing requests answered. */
  close(): Promise<void>;
}

const healthz: Route = { method: 'GET', pattern: '/healthz', auth: false, async handle({ res }) { sendJson(res, 200, { ok: true }); } };

function errorHeaders(err: JobError, req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  if (err.code === 'unauthorized') Object.assign(headers, CHALLENGE);
  if (err.code === 'method_not_allowed') headers['allow'] = ((err.details?.['allow'] as string[] | undefined) ?? []).join(', ');
  // A body left unread (too large, refused before reading) is not drained: the connection ends.
  if (hasBody(req) && !req.complete) headers['connection'] = 'close';
  return headers;
}

async function answer(req: IncomingMessage, res: ServerResponse, routes: Route[], auth: TokenCheck): Promise<void> {
  try {
    const { path, query } = splitTarget(req.url ?? '/');
    const { route, params } = matchRoute(routes, req.method ?? 'GET', path);
    if (route.auth) auth.check(req.headers.authorization);
    await route.handle({ req, res, params, query });
  } catch (err) {
    const e = toJobError(err);
    if (e.code === 'internal_error') log.debug((err as Error)?.stack ?? String(err));
    sendError(res, e, errorHeaders(e, req));
  }
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const auth = tokenCheck(options.token);
  const sockets = new Set<Socket>();
  const changing = new Set<Promise<void>>();
  const streams = new Set<() => void>();
  const routes = [healthz, ...jobRoutes(options), ...eventRoutes(options, streams), ...runnerRoutes(options, auth), ...dashboardRoutes(options.dashboardDir)];
  const server: Server = createServer((req, res) => {
    const started = Date.now();
    const done = answer(req, res, routes, auth).finally(() => log.info(`serve: ${req.method} ${(req.url ?? '').slice(0, 200)} ${res.statusCode} ${Date.now() - started}ms`));
    if (req.method === 'POST' || req.method === 'DELETE') {
      changing.add(done);
      void done.finally(() => changing.delete(done));
    }
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const body = JSON.stringify(errorEnvelope(tooLarge ? new JobError('payload_too_large', 'the request headers are too large') : usageError('malformed HTTP request')));
    socket.end(`HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.listen.port, options.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // The presence runner leases are measured against (store/serve-presence.ts).
  let withdraw = (): void => undefined;
  try {
    withdraw = announceServe(options.root);
  } catch (err) {
    log.warn(`serve: cannot record that it serves ${options.root}: ${(err as Error).message}`);
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.listen.port;
  const close = async (): Promise<void> => {
    withdraw();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const end of streams) end();
    server.closeIdleConnections();
    await Promise.allSettled([...changing]);
    for (const socket of sockets) socket.destroy();
    await closed;
  };
  return { port, close };
}
