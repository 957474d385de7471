// One bounded call of a container runtime's CLI (docker or podman, found on PATH, in the
// supervisor's own environment plus `env`), and the sorting of its failures: the runtime could
// not be reached (transient: retrying may help) or it gave a definite answer (not transient).
import { execa } from 'execa';
import { TargetError } from '../port.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  timeoutMs: number;
  /** Added to the CLI's environment (values the container takes with `-e KEY`). */
  env?: Record<string, string>;
}

/** Messages of a daemon or socket that did not answer, rather than of a request it refused. */
const UNREACHABLE = /cannot connect to|connection refused|connection reset|dial (unix|tcp)|i\/o timeout|context deadline exceeded|daemon running|TLS handshake timeout|no route to host|broken pipe|unexpected EOF|timed out|temporarily unavailable|database is locked/i;

export const isUnreachable = (text: string): boolean => UNREACHABLE.test(text);

const NO_SUCH_CONTAINER = /no such container|no such object|no container with name or ID/i;

export const isNoSuchContainer = (r: CliResult): boolean => r.code !== 0 && NO_SUCH_CONTAINER.test(r.stderr);

/** The first lines of a runtime's error output, without its usage hints. */
export function errorText(r: CliResult): string {
  const lines = r.stderr.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith("Run '") && !l.startsWith('See '));
  return lines.slice(0, 3).join('; ').slice(0, 500) || `exit code ${r.code}`;
}

/** A TargetError for a failed call; `what` says what was being done. */
export function cliFailure(runtime: string, what: string, r: CliResult): TargetError {
  const text = errorText(r);
  return new TargetError(`${runtime} ${what}: ${text}`, isUnreachable(text));
}

const NO_IMAGE = /no such image|image not known|unable to find image|manifest unknown|pull access denied|repository does not exist/i;

/** Why `run` gave no container; a missing image is named as such (images are never pulled). */
export function runFailure(runtime: string, image: string, r: CliResult): TargetError {
  if (NO_IMAGE.test(r.stderr)) return new TargetError(`image ${image} is not present for ${runtime} (images are never pulled): ${errorText(r)}`, false);
  if (r.code === 0) return new TargetError(`${runtime} run printed no container id: ${r.stdout.slice(0, 200)}`, false);
  return cliFailure(runtime, 'run', r);
}

export async function runtimeCli(runtime: string, args: string[], opts: CliOptions): Promise<CliResult> {
  const r = await execa(runtime, args, {
    timeout: opts.timeoutMs,
    reject: false,
    stdin: 'ignore',
    env: opts.env ?? {},
    extendEnv: true,
    maxBuffer: 16 * 1024 * 1024,
  });
  if (r.timedOut) throw new TargetError(`${runtime} ${args[0] ?? ''} timed out after ${opts.timeoutMs}ms`, true);
  if (r.exitCode === undefined) {
    if (r.code === 'ENOENT') throw new TargetError(`${runtime} was not found on PATH`, false);
    throw new TargetError(`${runtime} ${args[0] ?? ''}: ${r.shortMessage ?? 'could not be run'}`, true);
  }
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}
