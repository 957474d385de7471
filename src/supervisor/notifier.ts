// Delivers the supervisor's events. Output-match events are delivered one at a time in
// order; job.finished goes out once, after the terminal state is recorded. A failing or
// hanging sink is recorded (in the job's files and as notify.* events in the event log) and never
// changes the job's state.
import { deliver, type DeliveryContext } from '../notify/deliver.js';
import { finishedEvent, outputMatchedEvent } from '../notify/events.js';
import { appendOutputEvent, claimCompletion, writeCompletionEvent, writeEventScratch } from '../store/notification-files.js';
import { jobFiles, readMeta } from '../store/jobs.js';
import type { JobRecord, OutputMatchConfig, StreamName } from '../store/types.js';
import { readActivity } from '../store/agent-files.js';
import { redact, redactDeep } from '../output.js';
import { nowIso } from '../util/time.js';
import { log } from '../log.js';
import { DEFAULT_NOTIFY_TIMEOUT_MS, DEFAULT_SHELL, DEFAULT_WEBHOOK_ATTEMPTS, DEFAULT_WEBHOOK_TIMEOUT_MS, type Config } from '../config.js';
import type { WebhookSettings } from '../notify/webhook-sink.js';
import type { DeliveryResult } from '../notify/events.js';
import { deliveryEvents } from '../notify/delivery-events.js';
import { recordJobEvents } from '../job/events.js';
import type { EventBody } from '../store/event-log.js';

/** The notifier of a job, with the sink settings of the config (defaults without one). */
export function notifierFor(dir: string, jobId: string, config: Config | undefined): Notifier {
  const notify: Config['notify'] = config?.notify ?? { command_timeout_ms: DEFAULT_NOTIFY_TIMEOUT_MS, webhook_timeout_ms: DEFAULT_WEBHOOK_TIMEOUT_MS, webhook_attempts: DEFAULT_WEBHOOK_ATTEMPTS };
  return new Notifier(dir, jobId, config?.shell.unix ?? DEFAULT_SHELL, notify);
}

export class Notifier {
  private queue: Promise<void> = Promise.resolve();
  private readonly timeoutMs: number;

  constructor(
    private readonly dir: string,
    private readonly jobId: string,
    private readonly shell: string[],
    private readonly notify: Config['notify'],
  ) {
    this.timeoutMs = notify.command_timeout_ms;
  }

  /** The job's webhook (its own, else the config's), with the config's settings. */
  private webhook(url: string | undefined): WebhookSettings | undefined {
    const target = url ?? this.notify.webhook_url;
    if (target === undefined) return undefined;
    return { url: target, secret: this.notify.webhook_secret, timeoutMs: this.notify.webhook_timeout_ms, attempts: this.notify.webhook_attempts };
  }

  private ctx(eventPath: string): DeliveryContext {
    return { shell: this.shell, timeoutMs: this.timeoutMs, eventPath, jobId: this.jobId };
  }

  /** Queues a match event; `truncated`: the line was longer than the matcher's limit. */
  outputMatched(stream: StreamName, line: string, config: OutputMatchConfig, truncated: boolean): void {
    const event = outputMatchedEvent(this.jobId, stream, redact(line), { pattern: config.pattern, matchType: config.match_type, truncated }, nowIso());
    this.queue = this.queue.then(async () => {
      try {
        const needsFile = config.command !== undefined;
        const eventPath = needsFile ? writeEventScratch(this.dir, event) : jobFiles(this.dir).outputEventScratch;
        const results = await deliver(event, { command: config.command, file: config.file }, this.ctx(eventPath));
        appendOutputEvent(this.dir, { ...event, delivery_results: results });
        this.recordDeliveries('job.output.matched', results);
      } catch (err) {
        log.warn(`output event delivery failed: ${(err as Error).message}`);
      }
    });
  }

  async finished(job: JobRecord): Promise<void> {
    // Sinks may have changed since the job started (notify set): read them now.
    const notification = readMeta(this.dir).notification;
    // Agent text (last answer, stderr line) may repeat a masked value: redacted like output lines.
    const event = redactDeep(finishedEvent(job, job.meta.agent !== undefined ? readActivity(this.dir) : undefined)) as Record<string, unknown>;
    // Claimed under the job lock: job.finished goes out once, whoever delivers it.
    if (!(await claimCompletion(this.dir, { ...event, delivery_results: [] }))) return;
    const results = await deliver(
      event,
      { command: notification.notify_command, file: notification.notify_file, webhook: this.webhook(notification.notify_webhook) },
      this.ctx(jobFiles(this.dir).completion),
    );
    // With no sink the claimed record is already the whole record.
    if (results.length === 0) return;
    writeCompletionEvent(this.dir, { ...event, delivery_results: results });
    this.recordDeliveries('job.finished', results);
  }

  /** Appends each delivery attempt to the event log (targets and errors redacted). */
  private recordDeliveries(notifyEvent: string, results: DeliveryResult[]): void {
    recordJobEvents(this.dir, deliveryEvents(notifyEvent, results).map((body) => redactDeep(body) as EventBody));
  }

  /** Resolves when every queued output-match delivery has been attempted. */
  drained(): Promise<void> {
    return this.queue;
  }
}
