// The exact command line of each coding-agent CLI (pure). The prompt is never in it: every CLI
// reads it on stdin from the job's prompt file. What each flag means and why it is passed is in
// docs/agents.md; change both together.
import { usageError } from '../errors.js';
import type { AgentName, AgentSpec } from './types.js';

/** Permission modes each CLI accepts (--permission-mode), and the flags they become. */
const PERMISSION_MODES: Record<AgentName, Record<string, string[]>> = {
  claude: Object.fromEntries(['default', 'acceptEdits', 'bypassPermissions', 'dontAsk', 'plan'].map((m) => [m, ['--permission-mode', m]])),
  codex: {
    'read-only': ['--sandbox', 'read-only'],
    'workspace-write': ['--sandbox', 'workspace-write'],
    'danger-full-access': ['--sandbox', 'danger-full-access'],
    'full-auto': ['--full-auto'],
  },
  gemini: Object.fromEntries(['default', 'auto_edit', 'yolo'].map((m) => [m, ['--approval-mode', m]])),
  opencode: { default: [], auto: ['--auto'] },
};

/** CLIs that stop at a turn limit themselves; the supervisor counts turns for the others. */
export const CLI_LIMITS_TURNS: Record<AgentName, boolean> = { claude: true, codex: false, gemini: false, opencode: false };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Session ids the CLIs print: letters, digits and a few separators, never an option. */
const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;

/** Checks the agent options against what the chosen CLI accepts; usage_error otherwise. */
export function checkAgentOptions(spec: Pick<AgentSpec, 'name' | 'model' | 'session' | 'resume' | 'permission_mode'>): void {
  const { name } = spec;
  if (spec.permission_mode !== undefined && !Object.hasOwn(PERMISSION_MODES[name], spec.permission_mode)) {
    throw usageError(`--permission-mode ${spec.permission_mode}: ${name} takes ${Object.keys(PERMISSION_MODES[name]).join(', ')}`, { flag: 'permission-mode', agent: name });
  }
  if (spec.model !== undefined && (spec.model.startsWith('-') || /\s/.test(spec.model))) throw usageError('--model must be a model name', { flag: 'model' });
  if (name === 'opencode' && spec.model !== undefined && !spec.model.includes('/')) {
    throw usageError('--model for opencode is provider/model, such as anthropic/claude-sonnet-4-5', { flag: 'model' });
  }
  if (spec.session !== undefined) {
    if (name !== 'claude') throw usageError(`--session: ${name} chooses its own session ids; use --resume ID to continue one`, { flag: 'session', agent: name });
    if (!UUID.test(spec.session)) throw usageError('--session must be a UUID (Claude session ids are UUIDs)', { flag: 'session' });
  }
  if (spec.resume !== undefined && !SESSION_ID.test(spec.resume)) throw usageError('--resume must be a session id', { flag: 'resume' });
}

/** The argv that runs `spec` (binary first). Claude always gets a session id (see docs/agents.md). */
export function agentArgv(spec: AgentSpec): string[] {
  const mode = spec.permission_mode !== undefined ? (PERMISSION_MODES[spec.name][spec.permission_mode] ?? []) : [];
  switch (spec.name) {
    case 'claude':
      return [
        spec.binary, '-p', '--output-format', 'stream-json', '--verbose',
        ...(spec.max_turns !== undefined ? ['--max-turns', String(spec.max_turns)] : []),
        ...(spec.model !== undefined ? ['--model', spec.model] : []),
        ...mode,
        ...(spec.resume !== undefined ? ['--resume', spec.resume] : spec.session !== undefined ? ['--session-id', spec.session] : []),
      ];
    case 'codex':
      return [
        spec.binary, 'exec', '--json',
        ...(spec.model !== undefined ? ['-m', spec.model] : []),
        ...mode,
        '--skip-git-repo-check',
        ...(spec.resume !== undefined ? ['resume', spec.resume] : []),
        '-',
      ];
    case 'gemini':
      return [
        spec.binary, '-o', 'stream-json',
        ...(spec.model !== undefined ? ['-m', spec.model] : []),
        ...mode,
        ...(spec.resume !== undefined ? ['-r', spec.resume] : []),
      ];
    case 'opencode':
      return [
        spec.binary, 'run', '--format', 'json',
        ...(spec.model !== undefined ? ['-m', spec.model] : []),
        ...(spec.resume !== undefined ? ['-s', spec.resume] : []),
        ...mode,
      ];
  }
}

/** The session a job works in, when known before it starts (given, resumed, or chosen by jobctl). */
export const knownSession = (spec: AgentSpec): string | undefined => spec.resume ?? spec.session;
