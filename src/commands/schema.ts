// `schema [TYPE]`: the JSON Schema of every output type and event, or of one of them.
import { usageError } from '../errors.js';
import { eventSchemas, fullSchema, outputSchemas } from '../schema.js';
import { optString } from '../command-support/args.js';
import { nearest } from '../util/suggest.js';
import type { CommandDef } from '../command-support/types.js';

const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

export const schemaCommand: CommandDef = {
  command: 'schema [type]',
  describe: 'JSON Schema of every output type, or of one (an output `type` or an event type)',
  type: 'schema',
  usesRoot: false,
  options: {},
  async handler(args) {
    const type = optString(args, 'type');
    if (type === undefined) return { schema: fullSchema() };
    const schema = Object.hasOwn(outputSchemas, type) ? outputSchemas[type] : Object.hasOwn(eventSchemas, type) ? eventSchemas[type] : undefined;
    if (schema === undefined) {
      const known = [...Object.keys(outputSchemas), ...Object.keys(eventSchemas)];
      const suggestion = nearest(type, known);
      const hint = suggestion !== undefined ? `did you mean '${suggestion}'? ` : '';
      throw usageError(`unknown schema type '${type}'; ${hint}known types: ${known.join(', ')}`, { word: type, ...(suggestion !== undefined ? { suggestion } : {}), known });
    }
    return { schema_type: type, schema: { $schema: DIALECT, ...schema } };
  },
};
