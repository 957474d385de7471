// The keys of an [executors.NAME] table with type = "ssh" (the connection keys are shared
// with type = "cloud", whose instances are reached the same way).
import { COMMON_KEYS, LABEL, type Reader } from '../config-reader.js';
import type { SshExecutor } from '../types.js';

/** The keys of how a host is reached and used, besides `host` itself. */
export const SSH_CONNECTION_KEYS = ['port', 'user', 'identity_file', 'known_hosts', 'workdir', 'connect_timeout'];

/** A working directory on the executor: absolute, or under the remote home (~/...). */
function remoteWorkdir(r: Reader): string | undefined {
  const workdir = r.string('workdir');
  if (workdir !== undefined && !workdir.startsWith('/') && workdir !== '~' && !workdir.startsWith('~/')) r.fail('workdir', 'must be absolute or start with ~/');
  return workdir;
}

/** Reads SSH_CONNECTION_KEYS into `def`. */
export function readConnectionKeys(r: Reader, def: Omit<SshExecutor, 'type' | 'host'>): void {
  const user = r.string('user');
  if (user !== undefined && (user.startsWith('-') || /[\s@]/.test(user))) r.fail('user', 'must be a user name');
  const port = r.integer('port', 1, 65535);
  if (port !== undefined) def.port = port;
  if (user !== undefined) def.user = user;
  const identity = r.string('identity_file');
  if (identity !== undefined) def.identity_file = identity;
  const knownHosts = r.string('known_hosts');
  // ssh reads UserKnownHostsFile as a list separated by spaces.
  if (knownHosts !== undefined && /\s/.test(knownHosts)) r.fail('known_hosts', 'must be a path without spaces');
  if (knownHosts !== undefined) def.known_hosts = knownHosts;
  const workdir = remoteWorkdir(r);
  if (workdir !== undefined) def.workdir = workdir;
  const connectTimeout = r.integer('connect_timeout', 1, 300);
  if (connectTimeout !== undefined) def.connect_timeout = connectTimeout;
}

export function sshExecutor(r: Reader): SshExecutor {
  r.only(['type', 'host', ...SSH_CONNECTION_KEYS, 'labels', 'env', ...COMMON_KEYS]);
  const host = r.string('host', true);
  // Whatever reaches ssh as the destination must not be read as an option.
  if (host.startsWith('-') || /\s/.test(host)) r.fail('host', 'must be a host name or address');
  const def: SshExecutor = { type: 'ssh', host, labels: r.strings('labels', LABEL), env: r.env() };
  readConnectionKeys(r, def);
  r.limit(def);
  return def;
}
