// Signal names: accepts TERM, SIGTERM, sigterm and numbers; an unknown name is an error, never SIGKILL.
import { constants } from 'node:os';
import { JobError } from '../errors.js';

const BY_NAME = constants.signals as Record<string, number>;

export function parseSignal(input: unknown): NodeJS.Signals {
  const text = (typeof input === 'string' || typeof input === 'number' ? String(input) : '').trim();
  if (/^\d{1,3}$/.test(text)) {
    const num = Number(text);
    const name = Object.keys(BY_NAME).find((k) => BY_NAME[k] === num);
    if (name) return name as NodeJS.Signals;
  } else {
    const upper = text.toUpperCase();
    const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    if (name in BY_NAME) return name as NodeJS.Signals;
  }
  throw new JobError('invalid_signal', `unknown signal ${JSON.stringify(text.slice(0, 50))}`, { signal: text.slice(0, 50) });
}

/**
 * Signals sent to talk to a running process, not to end it: reload (HUP), user-defined (USR1,
 * USR2), job control (STOP, CONT, TSTP, TTIN, TTOU), and the informational ones whose default
 * action is to ignore them (WINCH, URG, CHLD) or that an init system sends (PWR). `kill` delivers
 * them and returns without recording a kill request or escalating to SIGKILL.
 */
const CONTROL_SIGNALS: ReadonlySet<string> = new Set([
  'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGCONT', 'SIGSTOP', 'SIGTSTP', 'SIGTTIN', 'SIGTTOU', 'SIGWINCH', 'SIGURG', 'SIGCHLD', 'SIGPWR',
]);

export function isControlSignal(signal: NodeJS.Signals): boolean {
  return CONTROL_SIGNALS.has(signal);
}

/** The control signals whose default action ends a process that does not handle them. */
const ENDING_CONTROL_SIGNALS: ReadonlySet<string> = new Set(['SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGPWR']);

export function endsByDefault(signal: NodeJS.Signals): boolean {
  return ENDING_CONTROL_SIGNALS.has(signal);
}
