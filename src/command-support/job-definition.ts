// Turns run/create flags into a validated job definition (meta.json) and its secrets.
// node:fs only to check the caller's --cwd and --env-file (its quoting too), outside the job root.
import { statSync, accessSync, readFileSync, constants as fsConstants } from 'node:fs';
import { resolve } from 'node:path';
import { JobError, usageError } from '../errors.js';
import { optString, optNonEmpty, stringList, type Args } from './args.js';
import { parseOptionalDuration } from '../util/duration.js';
import { parseSize } from '../util/size.js';
import { DEFAULT_MAX_LOG_BYTES, isHttpUrl } from '../config.js';
import { validateTags } from '../util/tags.js';
import { quoteArgv } from '../util/shell-quote.js';
import { expandHome, isDirectory } from '../util/fs-checks.js';
import { nowIso } from '../util/time.js';
import { newJobId } from '../store/ids.js';
import type { JobMeta, Secrets } from '../store/types.js';
import { selectExecutor, type ChosenExecutor } from '../executors/select.js';
import { hasFreeSlot } from '../store/slot-tickets.js';
import { configuredLimitsOf } from '../store/slot-limits.js';
import { schedulingFields } from './scheduling-options.js';
import { isRemote, type RemoteExecutor } from '../executors/types.js';
import type { Context } from './types.js';
import { buildOutputMatch } from './notification-options.js';
import { sinkFilePath } from './sink-file.js';
import { tailFlags } from './launch.js';
import { ENV_KEY, parseEnvFile } from '../util/env-file.js';
import { jobStdin } from './stdin-options.js';
import { agentPayload, isAgentJob, refuseStrayAgentFlags } from './agent-options.js';

export const DEFAULT_TAIL_LINES = 50;
export const DEFAULT_MAX_BYTES = 65536;
const DEFAULT_KILL_AFTER_MS = 5000;

function resolveCommand(args: Args, ctx: Context): { command: string; argv: string[] } {
  const cmdString = optString(args, 'cmd');
  const words = ctx.commandWords ?? [];
  if (cmdString !== undefined && words.length > 0) throw usageError('give the command either with --cmd or after the options, not both');
  const parts = cmdString !== undefined ? [cmdString] : words;
  if (parts.length === 0) throw usageError('no command given: jobctl run [options] -- CMD...');
  if (parts.some((p) => p.includes('\0'))) throw usageError('the command contains a NUL byte');
  const argvGiven = ctx.commandIsArgv === true && cmdString === undefined;
  if (argvGiven && optString(args, 'shell-wrapper') !== undefined) {
    throw usageError('a shell wrapper runs a command string: give the command as a string, not an array', { flag: 'shell-wrapper' });
  }
  if (parts.length > 1 || argvGiven) {
    if ((parts[0] as string).trim() === '') throw usageError('the program name is empty');
    return { command: quoteArgv(parts), argv: parts };
  }
  const text = parts[0] as string;
  if (text.trim() === '') throw usageError('the command is empty');
  const wrapperFlag = optString(args, 'shell-wrapper');
  let shell: string[];
  if (wrapperFlag !== undefined) {
    shell = wrapperFlag.trim().split(/\s+/).filter(Boolean);
    if (shell.length === 0) throw usageError('--shell-wrapper must not be empty', { flag: 'shell-wrapper' });
  } else {
    shell = ctx.config().config.shell.unix;
  }
  return { command: text, argv: [...shell, text] };
}

/** The remote working directory: --cwd as given (a path on the executor), else the executor's. */
function remoteWorkdir(args: Args, def: RemoteExecutor): string | undefined {
  const given = optNonEmpty(args, 'cwd');
  if (given !== undefined && !given.startsWith('/') && given !== '~' && !given.startsWith('~/')) {
    throw usageError(`--cwd ${given}: on a remote executor it must be absolute or start with ~/`, { flag: 'cwd' });
  }
  return given ?? def.workdir;
}

function resourceLimits(args: Args, def: RemoteExecutor | undefined): Pick<JobMeta, 'memory_limit_bytes' | 'cpu_limit'> {
  const memory = optString(args, 'memory-limit');
  const cpu = optString(args, 'cpu-limit');
  if ((memory !== undefined || cpu !== undefined) && def?.type !== 'container' && def?.type !== 'slurm') {
    throw usageError('--memory-limit and --cpu-limit apply to container and Slurm executors only', { flag: memory !== undefined ? 'memory-limit' : 'cpu-limit' });
  }
  const out: Pick<JobMeta, 'memory_limit_bytes' | 'cpu_limit'> = {};
  if (memory !== undefined) {
    out.memory_limit_bytes = parseSize(memory, '--memory-limit');
    if (out.memory_limit_bytes < 4 * 1024 * 1024) throw usageError('--memory-limit must be at least 4M', { flag: 'memory-limit' });
  }
  if (cpu !== undefined) {
    const n = Number(cpu);
    if (!/^\d+(\.\d+)?$/.test(cpu.trim()) || !(n > 0) || n > 1024) throw usageError('--cpu-limit must be a number of CPUs above 0, such as 1 or 1.5', { flag: 'cpu-limit', value: cpu.slice(0, 100) });
    out.cpu_limit = n;
  }
  return out;
}

/** A local job's working directory: --cwd, else its executor's workdir, else the caller's. */
function resolveCwd(args: Args, executor: ChosenExecutor): string {
  const given = optNonEmpty(args, 'cwd');
  const workdir = executor.def.type === 'local' ? executor.def.workdir : undefined;
  if (given === undefined && workdir !== undefined) {
    const path = expandHome(workdir);
    if (!isDirectory(path)) throw new JobError('config_error', `executor ${executor.name}: workdir ${path} does not exist or is not a directory`, { executor: executor.name, workdir: path });
    return path;
  }
  const cwd = resolve(given ?? process.cwd());
  if (!isDirectory(cwd)) throw usageError(`cwd ${cwd} does not exist or is not a directory`, { flag: 'cwd', cwd });
  return cwd;
}

/**
 * --env values, split into plain ones (meta.json) and masked ones (secrets.json). A masked key
 * not given with --env is taken from this environment, like `--env KEY`, so that its value is
 * known and redacted (a local executor's env counts as this environment, laid over it); with
 * --env-file it may also come from that file at start.
 */
function resolveEnv(args: Args, masked: ReadonlySet<string>, envFile: boolean, inheritedEnv: Record<string, string | undefined>): { env: Record<string, string>; secrets: Secrets } {
  const env: Record<string, string> = {};
  const secrets: Record<string, string> = {};
  const known: Record<string, string> = {};
  for (const item of stringList(args, 'env')) {
    const eq = item.indexOf('=');
    const key = eq === -1 ? item : item.slice(0, eq);
    if (!ENV_KEY.test(key)) throw usageError(`--env ${JSON.stringify(key.slice(0, 100))}: not a valid variable name`, { flag: 'env' });
    let value: string | undefined = eq === -1 ? process.env[key] : item.slice(eq + 1);
    if (value === undefined) throw usageError(`--env ${key}: not set in this environment`, { flag: 'env', key });
    if (masked.has(key)) {
      secrets[key] = value;
      delete env[key];
    } else {
      env[key] = value;
      delete secrets[key];
    }
    value = undefined;
  }
  for (const key of masked) {
    if (key in secrets) continue;
    const inherited = inheritedEnv[key];
    if (inherited !== undefined) known[key] = inherited;
    else if (!envFile) throw usageError(`--mask ${key}: not given with --env and not set in this environment`, { flag: 'mask', key });
  }
  return { env, secrets: { env: secrets, known } };
}

function resolveEnvFile(args: Args): string | undefined {
  const given = optNonEmpty(args, 'env-file');
  if (given === undefined) return undefined;
  const path = resolve(given);
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    accessSync(path, fsConstants.R_OK);
  } catch {
    throw usageError(`--env-file ${path} does not exist or cannot be read`, { flag: 'env-file', path });
  }
  // Read again when the job starts; a quote never closed is refused now, naming its line.
  parseEnvFile(readFileSync(path, 'utf8'), path);
  return path;
}

/** An http(s) URL flag. */
export function webhookArg(args: Args, flag: string): string | undefined {
  const url = optNonEmpty(args, flag);
  if (url !== undefined && !isHttpUrl(url)) throw usageError(`--${flag} must be an http:// or https:// URL`, { flag });
  return url;
}

function maxLogBytes(args: Args, ctx: Context): number {
  const flag = optString(args, 'max-log-bytes');
  if (flag !== undefined) return parseSize(flag, '--max-log-bytes');
  return ctx.config().config.defaults.max_log_bytes ?? DEFAULT_MAX_LOG_BYTES;
}

export interface Definition {
  meta: JobMeta;
  secrets: Secrets;
  /** An agent job's prompt (written to its 0600 prompt file). */
  prompt?: Buffer;
  /** A command job's stdin (--stdin, --stdin-file; written to its 0600 stdin file). */
  stdin?: Buffer;
}

export function buildDefinition(args: Args, ctx: Context): Definition {
  ctx.config(); // a broken config fails here, before anything is created
  const agentJob = isAgentJob(args);
  if (agentJob && ((ctx.commandWords ?? []).length > 0 || optString(args, 'cmd') !== undefined)) {
    throw usageError('an agent job takes a prompt, not a command: give --prompt or a command, not both', { flag: 'prompt' });
  }
  if (!agentJob) refuseStrayAgentFlags(args);
  else if (args['shell-wrapper'] !== undefined) throw usageError('--shell-wrapper applies to commands, not to agent jobs', { flag: 'shell-wrapper' });
  const mask = stringList(args, 'mask');
  for (const key of mask) if (!ENV_KEY.test(key)) throw usageError(`--mask ${JSON.stringify(key.slice(0, 100))}: not a valid variable name`, { flag: 'mask' });
  const envFile = resolveEnvFile(args);
  const executor = selectExecutor(ctx.config().config, optNonEmpty(args, 'executor'), stringList(args, 'label'), (n, max) => hasFreeSlot(ctx.root, { kind: 'executor', name: n, max }));
  const remote = isRemote(executor.def) ? executor.def : undefined;
  const executorEnv = remote === undefined && Object.keys(executor.def.env).length > 0 ? executor.def.env : undefined;
  const { env, secrets } = resolveEnv(args, new Set(mask), envFile !== undefined, { ...process.env, ...executorEnv });
  const timeout = parseOptionalDuration(optString(args, 'timeout'), '--timeout', ctx.warn);
  if (timeout === 0) throw usageError('--timeout must be greater than 0', { flag: 'timeout' });
  const progress = parseOptionalDuration(optString(args, 'progress-every'), '--progress-every', ctx.warn);
  const notifyCommand = optNonEmpty(args, 'notify-command');
  const notifyFile = sinkFilePath(optNonEmpty(args, 'notify-file'), 'notify-file');
  const notifyWebhook = webhookArg(args, 'notify-webhook');
  const onOutputMatch = buildOutputMatch(args, undefined, { stdout: 0, stderr: 0 });
  const name = optString(args, 'name');
  const workdir = remote ? remoteWorkdir(args, remote) : undefined;
  const agent = agentJob ? agentPayload(args, executor.def, ctx.config().config.defaults.max_turns) : undefined;
  const { command, argv } = agent ?? resolveCommand(args, ctx);
  const killAfter = parseOptionalDuration(optString(args, 'kill-after'), '--kill-after', ctx.warn) ?? DEFAULT_KILL_AFTER_MS;
  const scheduling = schedulingFields(args, ctx.root, ctx.config().config, { remote: remote !== undefined, agent: agent !== undefined, warn: ctx.warn });
  // Read last: every other mistake is reported before jobctl waits for its stdin to end.
  const stdin = jobStdin(args, agentJob);
  const meta: JobMeta = {
    job_id: newJobId(),
    created_at: nowIso(),
    ...(name !== undefined ? { name } : {}),
    command,
    argv,
    // A remote job's cwd is the caller's directory (what `list` scopes by); it runs in workdir.
    cwd: remote ? process.cwd() : resolveCwd(args, executor),
    ...(workdir !== undefined ? { workdir } : {}),
    env,
    ...(envFile !== undefined ? { env_file: envFile } : {}),
    mask,
    ...(timeout !== undefined ? { timeout_ms: timeout } : {}),
    kill_after_ms: killAfter,
    ...(progress !== undefined && progress > 0 ? { progress_every_ms: progress } : {}),
    tags: validateTags(stringList(args, 'tag')),
    max_log_bytes: maxLogBytes(args, ctx),
    executor: executor.name,
    ...(remote ? { executor_def: remote } : {}),
    ...(executorEnv !== undefined ? { executor_env: executorEnv } : {}),
    ...resourceLimits(args, remote),
    ...scheduling,
    limits: configuredLimitsOf({ ...scheduling, executor: executor.name }, ctx.config().config),
    ...(agent !== undefined ? { agent: agent.spec } : {}),
    ...(stdin !== undefined ? { stdin_bytes: stdin.length } : {}),
    notification: {
      ...(notifyCommand !== undefined ? { notify_command: notifyCommand } : {}),
      ...(notifyFile !== undefined ? { notify_file: notifyFile } : {}),
      ...(notifyWebhook !== undefined ? { notify_webhook: notifyWebhook } : {}),
      ...(onOutputMatch !== undefined ? { on_output_match: onOutputMatch } : {}),
    },
    tail_lines: tailFlags(args).tailLines ?? DEFAULT_TAIL_LINES,
    max_bytes: tailFlags(args).maxBytes ?? DEFAULT_MAX_BYTES,
  };
  // A local job inherits jobctl's environment, so an inherited masked value only needs to be
  // known (for redaction); a remote job inherits nothing, so it must be sent.
  const prompt = { ...(agent !== undefined ? { prompt: agent.prompt } : {}), ...(stdin !== undefined ? { stdin } : {}) };
  if (remote && Object.keys(secrets.known).length > 0) {
    return { meta, secrets: { env: { ...secrets.known, ...secrets.env }, known: {} }, ...prompt };
  }
  return { meta, secrets, ...prompt };
}
