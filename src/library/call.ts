// One call of a command from code: the options object becomes the handler's Args, the handler
// runs in a Context built as the CLI builds it, and the answer is the object the CLI would
// print (envelope included, secrets redacted). Nothing is written to stdout; a failure rejects
// with the JobError (exported as JobctlError) the CLI would print.
import { JobError, toJobError } from '../errors.js';
import { redactOutput, STREAMED, successEnvelope } from '../output.js';
import { invokeCommand } from '../command-support/context.js';
import type { CommandDef } from '../command-support/types.js';
import { toCallInput, type Naming } from './call-options.js';

export type CallResult = Record<string, unknown>;

/** A failure as it leaves jobctl: message and details redacted like a printed error. */
function outgoingError(err: unknown): JobError {
  const e = toJobError(err);
  const safe = redactOutput({ message: e.message, details: e.details });
  if (safe.message === e.message && safe.details === e.details) return e;
  return new JobError(e.code, safe.message, safe.details, e.retryable);
}

export async function callCommand(def: CommandDef, given: Record<string, unknown> | undefined, naming: Naming): Promise<CallResult> {
  try {
    const input = toCallInput(def, given ?? {}, naming);
    const { data, warnings } = await invokeCommand(def, input.args, input);
    if (data === STREAMED) throw new JobError('internal_error', `${def.type}: a streaming form cannot be called`);
    return redactOutput(successEnvelope(def.type, data, warnings));
  } catch (err) {
    throw outgoingError(err);
  }
}
