// The Context a command handler runs in, built the same way for every surface (the CLI, the
// library, the MCP server), and the one path that runs a handler: ensure the root, call it,
// hand back its data and the warnings it collected. Printing is the caller's business.
import { usageError } from '../errors.js';
import { loadConfig, type LoadedConfig } from '../config.js';
import { resolveRoot, resolveConfigPath } from '../store/root.js';
import { ensureRoot } from '../store/jobs.js';
import { supervisorActions } from '../supervisor/start.js';
import type { CommandDef, Context, InterruptHooks } from './types.js';
import type { Args } from './args.js';

export interface ContextInput {
  /** --root as given (undefined: $JOBCTL_ROOT, else the data dir). */
  root: string | undefined;
  /** --config as given (undefined: $JOBCTL_CONFIG, else the config dir). */
  config: string | undefined;
  /** run/create's command words. */
  commandWords: string[] | undefined;
  /** The words are an argv even when there is one (a call's `command` array): no shell. */
  commandIsArgv?: boolean;
  /** How a blocking call answers SIGINT/SIGTERM/SIGHUP (the CLI's; absent in-process). */
  interrupt?: InterruptHooks;
}

export function makeContext(input: ContextInput, warnings: string[]): Context {
  if (input.root === '') throw usageError('--root must not be empty');
  const configFlag = input.config;
  let loaded: LoadedConfig | undefined;
  const supervisorConfig = (): string | undefined => {
    const location = resolveConfigPath(configFlag);
    return location.source === 'default' ? undefined : location.path;
  };
  return {
    root: resolveRoot(input.root),
    configFlag,
    commandWords: input.commandWords,
    ...(input.commandIsArgv === true ? { commandIsArgv: true } : {}),
    config: () => (loaded ??= loadConfig(configFlag)),
    // The supervisor reads the same config file; the default location needs no argument.
    supervisorConfig,
    actions: supervisorActions(supervisorConfig),
    warn: (message) => {
      if (!warnings.includes(message)) warnings.push(message);
    },
    ...(input.interrupt !== undefined ? { interrupt: input.interrupt } : {}),
  };
}

export interface CommandResult {
  data: Record<string, unknown>;
  /** Warnings about valid but risky input, each once. */
  warnings: string[];
}

/** Runs a command's handler in a fresh Context; throws what the handler throws. */
export async function invokeCommand(def: CommandDef, args: Args, input: ContextInput): Promise<CommandResult> {
  const warnings: string[] = [];
  const ctx = makeContext(input, warnings);
  if (def.usesRoot !== false) {
    ensureRoot(ctx.root);
    // Whoever reads the store starts the waiting jobs whose turn came (what a crash left included).
    await ctx.actions.startWaiting?.(ctx.root);
  }
  const data = await def.handler(args, ctx);
  return { data, warnings };
}
