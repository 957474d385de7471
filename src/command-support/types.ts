// What every subcommand module exports: a yargs-ready definition whose handler returns data.
import type { Options } from 'yargs';
import type { Args } from './args.js';
import type { LoadedConfig } from '../config.js';
import type { ReconcileActions } from '../job/reconcile.js';
import type { Warn } from '../util/duration.js';

export interface Context {
  root: string;
  configFlag: string | undefined;
  /** The command words after `--` (or after the first non-option word) of run/create. */
  commandWords: string[] | undefined;
  /** The command words are an argv even when there is one (an array given to submit, the library, MCP or HTTP): no shell. */
  commandIsArgv?: boolean;
  config(): LoadedConfig;
  /** The config path to hand to a supervisor (undefined: the default location). */
  supervisorConfig(): string | undefined;
  /**
   * What reconciling a job may start (a new supervisor, a deliverer of job.finished): a job this
   * call finds lost still gets its job.finished; a remote job or a lost attempt to be retried
   * gets a new supervisor.
   */
  actions: ReconcileActions;
  /**
   * Records a warning about valid but risky input (a bare integer duration); the answer carries
   * them as its `warnings` (each message once).
   */
  warn: Warn;
  /**
   * How a call that blocks answers an interrupt (SIGINT/SIGTERM/SIGHUP); set by the CLI, absent
   * for an in-process caller, which no signal interrupts.
   */
  interrupt?: InterruptHooks;
}

/** What a command tells the CLI about being interrupted (cli/interrupt.ts answers). */
export interface InterruptHooks {
  /**
   * From now on an interrupt is answered with `describe()` — the state at that moment — as an
   * answer of `type` (default: the command's) marked `interrupted:true`.
   */
  answerWith(describe: () => Record<string, unknown>, type?: string): void;
  /** Runs `step` whole: an interrupt during it is answered once it has finished. */
  shield<T>(step: () => Promise<T>): Promise<T>;
}

export interface CommandDef {
  /** yargs command string, e.g. 'status [id]'. */
  command: string;
  /** For two-word commands: the first word ('tag', 'notify', 'config'). */
  group?: string;
  aliases?: string[];
  describe: string;
  /** The `type` of the success envelope. */
  type: string;
  options: Record<string, Options>;
  /**
   * False for commands that never read the job root (version, schema, config, executors): they
   * answer even when the root is unusable. Every other command first makes sure the root exists
   * and can be written, and answers io_error naming it otherwise.
   */
  usesRoot?: false;
  /** run/create take a trailing command line. */
  takesCommand?: boolean;
  handler(args: Args, ctx: Context): Promise<Record<string, unknown>>;
}

export const idOptions: Record<string, Options> = {
  'task-id': { type: 'string', describe: 'job id (same as the positional id)' },
  name: { type: 'string', describe: 'instead of an id: the newest job with exactly this name' },
};
