// Who may use the runner routes: a runner named in the server's config (`[executors.NAME] type =
// "runner"`) presenting the token held in that executor's `token_file`. Runner tokens and the
// client token never stand for each other: the client routes check only the client token
// (auth.ts), and a runner route refuses the client token even if a runner's file holds it.
// Invariants:
// - An unknown name, a wrong token and an unreadable or short token file get the same 401: the
//   answer names no path and no errno (those go to the server's log). A config that cannot be
//   read is a generic 500, its reason logged on the server.
// - The config is read again whenever its file changed (mtime, size) and the token file at each
//   request, so an edit applies without a restart.
import { statSync } from 'node:fs';
import { JobError } from '../errors.js';
import { loadConfig } from '../config.js';
import { log } from '../log.js';
import { resolveConfigPath } from '../store/root.js';
import { readRegularFile } from '../util/fs-checks.js';
import type { ExecutorDef, RunnerExecutor } from '../executors/types.js';
import { tokenCheck, type TokenCheck } from './auth.js';

const refused = (name: string): JobError => new JobError('unauthorized', `no runner ${JSON.stringify(name.slice(0, 64))} with this token in the server's config`);

let cached: { key: string; executors: Record<string, ExecutorDef> } | undefined;

/** The executors of the server's config, read again only when its file changed. */
function executorsOf(configFlag: string | undefined): Record<string, ExecutorDef> {
  const path = resolveConfigPath(configFlag).path;
  let key = `${path}\0missing`;
  try {
    const st = statSync(path);
    key = `${path}\0${st.mtimeMs}\0${st.size}\0${st.ino}`;
  } catch {
    // A missing file: loadConfig says what that means (defaults, or an error).
  }
  if (cached?.key === key) return cached.executors;
  try {
    const executors = loadConfig(configFlag).config.executors;
    cached = { key, executors };
    return executors;
  } catch (err) {
    log.warn(`serve: runner routes: the config cannot be read: ${(err as Error).message}`);
    throw new JobError('internal_error', 'the server cannot check runner tokens now (its log says why)');
  }
}

/** The runner's definition once its bearer token is checked; `unauthorized` otherwise. */
export function checkRunner(configFlag: string | undefined, clientToken: TokenCheck, name: string, authorization: string | undefined): RunnerExecutor {
  const executors = executorsOf(configFlag);
  const def = Object.hasOwn(executors, name) ? executors[name] : undefined;
  if (def?.type !== 'runner') throw refused(name);
  let clientTokenGiven = true;
  try {
    clientToken.check(authorization);
  } catch {
    clientTokenGiven = false;
  }
  if (clientTokenGiven) throw new JobError('unauthorized', 'a client token cannot act as a runner: give the runner its executor\'s token_file');
  let token: string;
  try {
    token = readRegularFile(def.token_file).trim();
  } catch (err) {
    log.warn(`serve: runner ${name}: its token_file cannot be read: ${(err as Error).message}`);
    throw refused(name);
  }
  if (token.length < 16) {
    log.warn(`serve: runner ${name}: its token_file holds no token of at least 16 characters`);
    throw refused(name);
  }
  try {
    tokenCheck(token).check(authorization);
  } catch {
    throw refused(name);
  }
  return def;
}
