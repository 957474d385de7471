// Delivers one event to its sinks (command, file, webhook), concurrently, recording every attempt.
// Every sink is bounded in wall time (the command and file sinks by [notify] command_timeout, the
// webhook by its own timeout and attempts) and none blocks the event loop.
import type { DeliveryResult } from './events.js';
import { runCommandSink } from './command-sink.js';
import { appendEventLine } from './file-sink.js';
import { postWebhook, type WebhookSettings } from './webhook-sink.js';

export interface Sinks {
  command?: string | undefined;
  file?: string | undefined;
  webhook?: WebhookSettings | undefined;
}

export interface DeliveryContext {
  shell: string[];
  timeoutMs: number;
  eventPath: string;
  jobId: string;
}

export async function deliver(event: Record<string, unknown>, sinks: Sinks, ctx: DeliveryContext): Promise<DeliveryResult[]> {
  const eventJson = JSON.stringify(event);
  const attempts: Promise<DeliveryResult>[] = [];
  if (sinks.file !== undefined) attempts.push(appendEventLine(sinks.file, eventJson, ctx.timeoutMs));
  if (sinks.command !== undefined) {
    attempts.push(
      runCommandSink({
        command: sinks.command,
        shell: ctx.shell,
        eventJson,
        timeoutMs: ctx.timeoutMs,
        env: {
          JOBCTL_EVENT_PATH: ctx.eventPath,
          JOBCTL_JOB_ID: ctx.jobId,
          JOBCTL_EVENT_TYPE: String(event['event_type']),
        },
      }).catch((err: unknown) => ({
        sink: 'command' as const,
        target: sinks.command ?? '',
        ok: false,
        error: (err as Error).message,
        attempted_at: new Date().toISOString(),
      })),
    );
  }
  const webhook = sinks.webhook === undefined ? [] : postWebhook(sinks.webhook, eventJson, String(event['event_type']));
  const [single, posted] = await Promise.all([Promise.all(attempts), webhook]);
  return [...single, ...posted];
}
