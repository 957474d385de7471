// `version`: jobctl's version, the output schema version and the runtime.
import { SCHEMA_VERSION } from '../output.js';
import { VERSION } from '../version.js';
import type { CommandDef } from '../command-support/types.js';

export const versionCommand: CommandDef = {
  command: 'version',
  describe: 'versions',
  type: 'version',
  usesRoot: false,
  options: {},
  async handler() {
    return { version: VERSION, schema_version: SCHEMA_VERSION, node_version: process.versions.node, platform: process.platform };
  },
};
