// How a blocking call answers SIGINT, SIGTERM and SIGHUP. A command that blocks on a job (run,
// start, wait, logs --follow, kill during its grace) registers, through Context.interrupt, how
// to describe the job at this moment; on a signal the CLI prints that as the call's one answer —
// `interrupted:true` added — and exits 128 + the signal's number (130, 143, 129). The job is
// never touched: its supervisor runs detached, in its own session.
//
// Invariants:
// - At most one answer per call: a signal after the command printed its own answer (or a
//   stream its end line) prints nothing and lets the call end with that answer; a second signal
//   after the first was answered does nothing more. Printing is synchronous, so a signal never
//   cuts a line in half.
// - A step run through `shield` (claiming and launching a job) is never cut in half: a signal
//   during it is answered as soon as it has finished.
// - The handlers exist only once a command asked for them (answerWith/shield) and are removed
//   when the call ends: a call that registered nothing keeps the default signal behaviour.
// - Handlers live here, in the CLI layer; command handlers only describe their answer, so an
//   in-process caller (no Context.interrupt) is unaffected.
import { constants } from 'node:os';
import { toJobError, type JobError } from '../errors.js';
import { hasAnswered, printError, printSuccess } from '../output.js';
import type { InterruptHooks } from '../command-support/types.js';

export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** What answering needs from the process; replaced in unit tests. */
export interface InterruptIo {
  answered(): boolean;
  print(type: string, data: Record<string, unknown>): void;
  printError(err: JobError): void;
  exit(code: number): void;
  listen(signal: InterruptSignal, handler: () => void): void;
  unlisten(signal: InterruptSignal, handler: () => void): void;
}

const processIo: InterruptIo = {
  answered: hasAnswered,
  print: (type, data) => printSuccess(type, data),
  printError,
  exit: (code) => process.exit(code),
  listen: (signal, handler) => process.on(signal, handler),
  unlisten: (signal, handler) => process.off(signal, handler),
};

/** The exit code of a call ended by `signal`: 128 + its number, as a shell reports it. */
export function interruptExitCode(signal: InterruptSignal): number {
  return 128 + constants.signals[signal];
}

export class InterruptHandling implements InterruptHooks {
  private answer: { type: string; describe: () => Record<string, unknown> } | undefined;
  private shielded = 0;
  private pending: InterruptSignal | undefined;
  private finished = false;
  private readonly handlers = new Map<InterruptSignal, () => void>();

  /** `commandType`: the type of the call's answer (an interrupt answer has the same shape). */
  constructor(private readonly commandType: string, private readonly io: InterruptIo = processIo) {}

  answerWith(describe: () => Record<string, unknown>, type: string = this.commandType): void {
    this.answer = { type, describe };
    this.install();
    this.answerPending();
  }

  async shield<T>(step: () => Promise<T>): Promise<T> {
    this.install();
    this.shielded++;
    try {
      return await step();
    } finally {
      this.shielded--;
      this.answerPending();
    }
  }

  /** Called on a signal (the process handler, or a test). */
  receive(signal: InterruptSignal): void {
    if (this.finished) return;
    this.pending ??= signal;
    this.answerPending();
  }

  /** The call has ended: the default signal behaviour again. */
  uninstall(): void {
    for (const [signal, handler] of this.handlers) this.io.unlisten(signal, handler);
    this.handlers.clear();
  }

  private install(): void {
    if (this.handlers.size > 0) return;
    for (const signal of INTERRUPT_SIGNALS) {
      const handler = (): void => this.receive(signal);
      this.handlers.set(signal, handler);
      this.io.listen(signal, handler);
    }
  }

  private answerPending(): void {
    const signal = this.pending;
    if (signal === undefined || this.answer === undefined || this.shielded > 0 || this.finished) return;
    this.finished = true;
    // The call has given its answer already and is about to end with it.
    if (this.io.answered()) return;
    try {
      this.io.print(this.answer.type, { ...this.answer.describe(), interrupted: true });
    } catch (err) {
      this.io.printError(toJobError(err));
    }
    this.io.exit(interruptExitCode(signal));
  }
}
