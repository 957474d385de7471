// The route table: a method, a path pattern (`/v1/jobs/:id/tail`) and a handler. The path is
// matched segment by segment on the raw request target, each segment percent-decoded after the
// split, so `..%2f..` or `%2e%2e` is one segment (an id the command refuses: job_not_found),
// never a step up. No route → 404 `not_found`; a route for another method → 405
// `method_not_allowed` with `Allow`. Pure.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { JobError, usageError } from '../errors.js';

export interface RouteRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** Decoded `:name` segments of the path. */
  params: Record<string, string>;
  query: URLSearchParams;
}

export interface Route {
  method: 'GET' | 'POST' | 'DELETE';
  pattern: string;
  /** False for the routes anyone may call (healthz, the dashboard's files). */
  auth: boolean;
  /** Answers the request itself (JSON, a file or a stream). */
  handle(request: RouteRequest): Promise<void>;
}

export interface Match {
  route: Route;
  params: Record<string, string>;
}

/** Segments of a path, each percent-decoded; a malformed escape is a usage_error. */
export function pathSegments(path: string): string[] {
  return path.split('/').slice(1).map((raw) => {
    try {
      return decodeURIComponent(raw);
    } catch {
      throw usageError(`the path has a malformed percent escape: ${JSON.stringify(raw.slice(0, 100))}`);
    }
  });
}

function matchPattern(pattern: string, segments: string[]): Record<string, string> | undefined {
  const parts = pattern.split('/').slice(1);
  const wildcard = parts.at(-1) === '*';
  if (wildcard ? segments.length < parts.length : segments.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (const [i, part] of parts.entries()) {
    const segment = segments[i] as string;
    if (part === '*') {
      params['*'] = segments.slice(i).join('/');
      break;
    }
    if (part.startsWith(':')) {
      if (segment === '') return undefined;
      params[part.slice(1)] = segment;
    } else if (part !== segment) return undefined;
  }
  return params;
}

export function matchRoute(routes: readonly Route[], method: string, path: string): Match {
  if (!path.startsWith('/')) throw new JobError('not_found', 'the request target must be a path starting with /');
  const segments = pathSegments(path);
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPattern(route.pattern, segments);
    if (params === undefined) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
    allowed.push(route.method);
  }
  if (allowed.length > 0) throw new JobError('method_not_allowed', `${method.slice(0, 20)} is not allowed here; use ${allowed.join(' or ')}`, { allow: allowed });
  throw new JobError('not_found', `no route ${JSON.stringify(path.slice(0, 200))}; the API is under /v1 (GET /v1/jobs, POST /v1/jobs, GET /v1/jobs/ID ...)`);
}
