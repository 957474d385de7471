// /v1/jobs: each route is one command called with the request's options (a JSON body for POST,
// the query for GET and DELETE) and the id from the path; its answer is the CLI's object.
// POST /v1/jobs is `run` (201); `wait`, `run`/`restart` with `wait` and `kill`'s grace are held
// to the server's --max-wait (library/bounded-call.ts).
import type { CommandDef } from '../command-support/types.js';
import { readJsonBody } from './body.js';
import { callRoute, commandNamed, optionTable, type CallScope } from './call.js';
import { queryOptions } from './query.js';
import { sendJson } from './respond.js';
import type { Route, RouteRequest } from './router.js';

type Source = 'body' | 'optional-body' | 'query';

/** A route that calls `command` with options from `source`; `status`: the success status. */
export function commandRoute(method: Route['method'], pattern: string, command: string, source: Source, scope: CallScope, status = 200): Route {
  const def: CommandDef = commandNamed(command);
  return {
    method,
    pattern,
    auth: true,
    async handle({ req, res, params, query }: RouteRequest) {
      const options = source === 'query' ? queryOptions(query, optionTable(def)) : await readJsonBody(req, source === 'body');
      const result = await callRoute(def, options, scope, params['id']);
      sendJson(res, status, result);
    },
  };
}

export function jobRoutes(scope: CallScope): Route[] {
  return [
    commandRoute('POST', '/v1/jobs', 'run', 'body', scope, 201),
    commandRoute('GET', '/v1/jobs', 'list', 'query', scope),
    commandRoute('GET', '/v1/jobs/:id', 'status', 'query', scope),
    commandRoute('DELETE', '/v1/jobs/:id', 'delete', 'query', scope),
    commandRoute('GET', '/v1/jobs/:id/tail', 'tail', 'query', scope),
    commandRoute('GET', '/v1/jobs/:id/wait', 'wait', 'query', scope),
    commandRoute('POST', '/v1/jobs/:id/kill', 'kill', 'optional-body', scope),
    commandRoute('POST', '/v1/jobs/:id/restart', 'restart', 'optional-body', scope),
    commandRoute('GET', '/v1/stats', 'stats', 'query', scope),
    commandRoute('GET', '/v1/queue', 'queue', 'query', scope),
  ];
}
