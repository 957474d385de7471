// `notify set ID ...`: change the sinks of an existing job. Each option given replaces that
// setting, others are kept; --clear removes all first. Never fires a sink; a new output pattern
// applies to lines printed after this call only.
import { optBool, optNonEmpty } from '../command-support/args.js';
import { fileSize, jobFiles, updateMeta } from '../store/jobs.js';
import type { NotificationConfig } from '../store/types.js';
import { buildOutputMatch } from '../command-support/notification-options.js';
import { webhookArg } from '../command-support/job-definition.js';
import { outputMatchOptions } from '../command-support/definition-options.js';
import { sinkFilePath } from '../command-support/sink-file.js';
import { loadJob } from '../command-support/load-job.js';
import { idOptions, type CommandDef } from '../command-support/types.js';

export const notifySetCommand: CommandDef = {
  command: 'set [id]',
  group: 'notify',
  describe: 'change the notification sinks of a job',
  type: 'notify_set',
  options: {
    ...idOptions,
    command: { type: 'string', alias: 'notify-command', describe: 'job.finished command sink' },
    file: { type: 'string', alias: 'notify-file', describe: 'job.finished NDJSON file sink' },
    webhook: { type: 'string', alias: 'notify-webhook', describe: 'job.finished webhook (http/https URL)' },
    ...outputMatchOptions,
    clear: { type: 'boolean', describe: 'remove every sink (before applying the options given)' },
  },
  async handler(args, ctx) {
    const clear = optBool(args, 'clear');
    const command = optNonEmpty(args, 'command');
    const file = sinkFilePath(optNonEmpty(args, 'file'), 'notify-file');
    const webhook = webhookArg(args, 'webhook');
    const job = loadJob(args, ctx);
    const files = jobFiles(job.dir);
    const meta = await updateMeta(job.dir, (cur) => {
      const base: NotificationConfig = clear ? {} : { ...cur.notification };
      // Offsets taken under the lock: lines after this call are matched, earlier ones never.
      const since = { stdout: fileSize(files.stdout), stderr: fileSize(files.stderr) };
      const onOutputMatch = buildOutputMatch(args, base.on_output_match, since);
      const next: NotificationConfig = { ...base };
      if (command !== undefined) next.notify_command = command;
      if (file !== undefined) next.notify_file = file;
      if (webhook !== undefined) next.notify_webhook = webhook;
      if (onOutputMatch !== undefined) next.on_output_match = onOutputMatch;
      return { ...cur, notification: next };
    });
    return { job_id: meta.job_id, notification: meta.notification };
  },
};
