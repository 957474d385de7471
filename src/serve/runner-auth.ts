// Who may use the runner routes: a runner named in the server's config (`[executors.NAME] type =
// "runner"`) presenting the token held in that executor's `token_file`. Runner tokens and the
// client token never stand for each other: the client routes check only the client token
// (auth.ts), and a runner route refuses the client token even if a runner's file holds it.
// The config and the token file are read at each request, so an edit applies without a restart.
import { JobError } from '../errors.js';
import { loadConfig } from '../config.js';
import { readRegularFile } from '../util/fs-checks.js';
import type { RunnerExecutor } from '../executors/types.js';
import { tokenCheck, type TokenCheck } from './auth.js';

const refused = (message: string): JobError => new JobError('unauthorized', message);

/** The runner's definition once its bearer token is checked; `unauthorized` otherwise. */
export function checkRunner(configFlag: string | undefined, clientToken: TokenCheck, name: string, authorization: string | undefined): RunnerExecutor {
  const executors = loadConfig(configFlag).config.executors;
  const def = Object.hasOwn(executors, name) ? executors[name] : undefined;
  // The same answer for an unknown name and a wrong token: a guess learns nothing.
  if (def?.type !== 'runner') throw refused(`no runner ${JSON.stringify(name.slice(0, 64))} with this token in the server's config`);
  let clientTokenGiven = true;
  try {
    clientToken.check(authorization);
  } catch {
    clientTokenGiven = false;
  }
  if (clientTokenGiven) throw refused('a client token cannot act as a runner: give the runner its executor\'s token_file');
  let token: string;
  try {
    token = readRegularFile(def.token_file).trim();
  } catch (err) {
    throw refused(`runner ${name}: its token_file cannot be read (${(err as Error).message})`);
  }
  if (token.length < 16) throw refused(`runner ${name}: its token_file holds no token of at least 16 characters`);
  try {
    tokenCheck(token).check(authorization);
  } catch {
    throw refused(`no runner ${JSON.stringify(name.slice(0, 64))} with this token in the server's config`);
  }
  return def;
}
