// `schema`: the JSON Schema of every output type and event.
import { fullSchema } from '../schema.js';
import type { CommandDef } from '../command-support/types.js';

export const schemaCommand: CommandDef = {
  command: 'schema',
  describe: 'JSON Schema of every output type',
  type: 'schema',
  usesRoot: false,
  options: {},
  async handler() {
    return { schema: fullSchema() };
  },
};
