// Every subcommand, in help order.
import { runCommand } from './run.js';
import { createCommand } from './create.js';
import { submitCommand } from './submit.js';
import { startCommand } from './start.js';
import { restartCommand } from './restart.js';
import { statusCommand } from './status.js';
import { tailCommand } from './tail.js';
import { logsCommand } from './logs.js';
import { waitCommand } from './wait.js';
import { killCommand } from './kill.js';
import { listCommand } from './list.js';
import { dashboardCommand } from './dashboard.js';
import { tagSetCommand } from './tag-set.js';
import { notifySetCommand } from './notify-set.js';
import { gcCommand } from './gc.js';
import { eventsCommand } from './events.js';
import { deleteCommand } from './delete.js';
import { schemaCommand } from './schema.js';
import { versionCommand } from './version.js';
import { executorsCommand } from './executors.js';
import { queueCommand } from './queue.js';
import { statsCommand } from './stats.js';
import { configPathCommand, configShowCommand, configInitCommand } from './config.js';
import { configImportCommand } from './config-import.js';
import { installSkillCommand } from './install-skill.js';
import type { CommandDef } from '../command-support/types.js';

export const commands: CommandDef[] = [
  runCommand, createCommand, submitCommand, startCommand, restartCommand, statusCommand, tailCommand, logsCommand, waitCommand, killCommand,
  listCommand, dashboardCommand, eventsCommand, tagSetCommand, notifySetCommand, gcCommand, deleteCommand, schemaCommand, versionCommand, executorsCommand, statsCommand, queueCommand,
  configPathCommand, configShowCommand, configInitCommand, configImportCommand, installSkillCommand,
];

export const groupDescriptions: Record<string, string> = {
  tag: 'job tags',
  notify: 'job notification sinks',
  config: 'configuration file',
};
