// The `run` command line of a container job, and how its environment reaches the container.
// Invariants:
// - No environment value ever appears in the command line: the container takes each variable
//   with `-e KEY` from the CLI's own environment, so values never show in `ps`.
// - Variables the CLI itself obeys (PATH, HOME, DOCKER_HOST, CONTAINERS_CONF, proxies, ...)
//   are not put into the CLI's environment, where they would redirect the runtime: they go
//   through an env file (0600, in the job's 0700 spool directory) that exists only during `run`.
// - The log driver is chosen here, not inherited from the daemon's defaults, because the logs
//   must come back byte for byte: docker's `local` driver keeps bytes exactly (json-file turns
//   invalid UTF-8 into U+FFFD); podman's k8s-file is read directly (see k8s-log.ts).
// - An agent job's prompt is never in the command line either: a copy (0600, in the 0700 spool
//   directory) is bind-mounted read-only at PROMPT_MOUNT, and the command runs as
//   `/bin/sh -c 'exec "$@" < PROMPT_MOUNT' sh ARGV...`. `run -d` cannot feed a file to stdin,
//   and a mount is set up by the same `run` that starts the container (a `create`, `cp`,
//   `start` sequence could be started half-way by recover()). It needs /bin/sh in the image, an
//   engine on this machine (it reads the mount's source), and a container user that may read
//   the copy (root, or the caller's own user under rootless podman).
import type { ContainerExecutor } from '../types.js';
import type { JobMeta } from '../../store/types.js';
import { TargetError } from '../port.js';

const CLI_OWN_ENV = /^(PATH|HOME|TMPDIR|USER|LOGNAME|SHELL|SSL_CERT_FILE|SSL_CERT_DIR|REGISTRY_AUTH_FILE|GODEBUG|GOMAXPROCS|GOGC|GOMEMLIMIT|GOTRACEBACK|LD_\w*|XDG_\w*|DOCKER_\w*|CONTAINERS?_\w*|PODMAN_\w*|BUILDAH_\w*|STORAGE_\w*|[Hh][Tt][Tt][Pp][Ss]?_[Pp][Rr][Oo][Xx][Yy]|[Nn][Oo]_[Pp][Rr][Oo][Xx][Yy]|[Aa][Ll][Ll]_[Pp][Rr][Oo][Xx][Yy])$/;

export interface EnvPlan {
  /** Passed as the CLI's environment; the container takes them with `-e KEY`. */
  cliEnv: Record<string, string>;
  /** Contents of the env file for the variables the CLI obeys itself ('' when there are none). */
  envFile: string;
}

export function planEnv(env: Record<string, string>): EnvPlan {
  const cliEnv: Record<string, string> = {};
  let envFile = '';
  for (const [key, value] of Object.entries(env)) {
    if (!CLI_OWN_ENV.test(key)) {
      cliEnv[key] = value;
      continue;
    }
    // An env file holds one KEY=VALUE a line, taken verbatim up to the line end.
    if (/[\r\n]/.test(value)) throw new TargetError(`the value of ${key} contains a line break, which cannot be passed to a container`, false);
    envFile += `${key}=${value}\n`;
  }
  return { cliEnv, envFile };
}

export const containerName = (meta: JobMeta): string => `jobctl-${meta.job_id}`;

/** Log retention of docker's `local` driver: large, so that a resumed copy finds byte 0. */
/** Where an agent job's prompt appears in its container. */
export const PROMPT_MOUNT = '/run/jobctl-prompt';

/** The container's command: ARGV, with an agent job's prompt on its stdin. */
export function containerCommand(argv: readonly string[], promptPath: string | undefined): string[] {
  return promptPath === undefined ? [...argv] : ['/bin/sh', '-c', `exec "$@" < ${PROMPT_MOUNT}`, 'sh', ...argv];
}

const DOCKER_LOG_OPTS = ['--log-driver', 'local', '--log-opt', 'max-size=100m', '--log-opt', 'max-file=10'];
const PODMAN_LOG_OPTS = ['--log-driver', 'k8s-file'];

/** `run`'s arguments; `promptPath` is the host copy of an agent job's prompt. */
export function runArgs(def: ContainerExecutor, meta: JobMeta, plan: EnvPlan, envFilePath: string | undefined, promptPath?: string): string[] {
  const args = ['run', '-d', '--name', containerName(meta), '--label', `jobctl.job=${meta.job_id}`, '--init', '--pull', 'never'];
  args.push(...(def.runtime === 'podman' ? PODMAN_LOG_OPTS : DOCKER_LOG_OPTS));
  if (def.network !== undefined) args.push('--network', def.network);
  for (const volume of def.volumes) args.push('-v', volume);
  if (promptPath !== undefined) {
    // `-v` splits at colons; the job root's path is the only variable part.
    if (promptPath.includes(':')) throw new TargetError(`the job directory ${promptPath} contains ':', which a bind mount cannot name`, false);
    args.push('-v', `${promptPath}:${PROMPT_MOUNT}:ro`);
  }
  const workdir = meta.workdir ?? def.workdir;
  if (workdir !== undefined) args.push('-w', workdir);
  if (meta.memory_limit_bytes !== undefined) args.push('--memory', `${meta.memory_limit_bytes}b`);
  if (meta.cpu_limit !== undefined) args.push('--cpus', String(meta.cpu_limit));
  if (envFilePath !== undefined) args.push('--env-file', envFilePath);
  for (const key of Object.keys(plan.cliEnv)) args.push('-e', key);
  args.push('--', def.image, ...containerCommand(meta.argv, promptPath));
  return args;
}
