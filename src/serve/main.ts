// Starting `jobctl serve`: the address (--listen, else `[serve] listen`, else 127.0.0.1:8787),
// the token (serve/token.ts), the refusal of a non-loopback address without an explicit token,
// then the server. Answers what the ready line says.
import { usageError } from '../errors.js';
import { log } from '../log.js';
import type { LoadedConfig } from '../config.js';
import { DEFAULT_LISTEN, isLoopbackHost, originOf, parseListen } from '../util/listen-address.js';
import { resolveToken } from './token.js';
import { startServer, type RunningServer } from './server.js';
import { defaultDashboardDir } from './routes-dashboard.js';

export interface ServeRequest {
  root: string;
  /** --config as given (handed to every call). */
  configFlag: string | undefined;
  config: () => LoadedConfig;
  listen: string | undefined;
  tokenFile: string | undefined;
  maxWaitMs: number;
}

export interface Serving {
  server: RunningServer;
  /** The ready line's fields. */
  ready: Record<string, unknown>;
}

export async function serveHttp(request: ServeRequest): Promise<Serving> {
  const settings = request.config().config.serve;
  const listen = request.listen !== undefined ? parseListen(request.listen) : parseListen(settings.listen ?? DEFAULT_LISTEN, settings.listen !== undefined ? 'serve.listen' : '--listen');
  const token = resolveToken({ root: request.root, flagFile: request.tokenFile, configFile: settings.token_file });
  if (!isLoopbackHost(listen.host) && !token.explicit) {
    throw usageError(`refusing to listen on ${listen.host}, which other machines may reach, with a token made up by the server: give one (JOBCTL_TOKEN, --token-file or [serve] token_file)`, { flag: 'listen', host: listen.host });
  }
  const server = await startServer({ root: request.root, config: request.configFlag, maxWaitMs: request.maxWaitMs, listen, token: token.token, dashboardDir: defaultDashboardDir() });
  const url = originOf(listen.host, server.port);
  log.info(`serve: listening on ${url} (root ${request.root}, token ${token.file ?? 'from JOBCTL_TOKEN'})`);
  return { server, ready: { url, root: request.root, ...(token.file !== undefined ? { token_file: token.file } : {}) } };
}
