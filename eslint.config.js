// Lint: typescript-eslint's recommended type-aware rules for src/, recommended JS rules for tests
// and scripts, and the layers of src/ (docs/architecture.md): an import only points down.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Layers, top to bottom: cli → mcp, serve, runner → library → commands → command-support → view → supervisor → notify →
// executors → agents → job → store → util (errors.ts, log.ts and output.ts beside util).
const folders = ['cli', 'mcp', 'serve', 'runner', 'library', 'commands', 'command-support', 'view', 'supervisor', 'notify', 'executors', 'agents', 'job', 'store', 'util'];
const anyIn = (folder) => [`../${folder}/**`, `../../${folder}/**`];
/** A rule that forbids importing `banned` folders (and top-level modules) from the files of `folder`. */
function layer(folder, banned, { modules = [], allowTypes = false, except = [], why }) {
  return {
    files: [`src/${folder}/**/*.ts`],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        patterns: [{
          group: [...banned.flatMap(anyIn), ...modules.flatMap((m) => [`../${m}`, `../../${m}`]), ...except.map((e) => `!${e}`), ...(folder === 'job' ? [] : STATE_WRITER)],
          allowTypeImports: allowTypes,
          message: `${why} (layers: docs/architecture.md)`,
        }],
      }],
    },
  };
}
const above = (folder) => folders.slice(0, folders.indexOf(folder));
/** state.json's writer: only the lifecycle core (job/apply.ts) applies a state change. */
const STATE_WRITER = ['../store/state-file.js', '../../store/state-file.js', './state-file.js'];
/** What commands may use of the supervisor and the executors. */
const PUBLIC = ['../supervisor/start.js', ...['types', 'config', 'select', 'probe', 'cleanup', 'cloud/api'].map((m) => `../executors/${m}.js`)];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**'] },
  js.configs.recommended,
  {
    files: ['src/**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'error',
      // Command handlers share one async signature whether or not they await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  layer('cli', [], { why: 'a state change is a transition of job/' }),
  // The MCP server and the library are surfaces beside the CLI: they call commands, never argv parsing.
  layer('mcp', ['cli', 'serve', 'runner'], { why: 'the MCP server calls commands through the library, never the CLI' }),
  // The HTTP server too: a route calls a command through the library, as an MCP tool does.
  layer('serve', ['cli', 'mcp', 'runner'], { why: 'the HTTP server calls commands through the library, never the CLI or the MCP server' }),
  // The runner is a surface too: it runs its jobs through the library, never through a server.
  layer('runner', ['cli', 'mcp', 'serve'], { why: 'the runner uses the library and below, never the CLI or a server' }),
  layer('library', ['cli', 'mcp', 'serve', 'runner'], { why: 'the library calls commands, never a surface above it' }),
  layer('util', above('util'), { modules: ['config.js', 'output.js', 'log.js'], why: 'util imports nothing of jobctl but errors.ts' }),
  // The store holds the shapes of the files it stores (types only) and nothing above.
  layer('store', above('store'), { modules: ['config.js', 'output.js'], allowTypes: true, why: 'the store imports nothing above it' }),
  layer('job', above('job'), { modules: ['config.js', 'output.js'], why: 'job/ imports only the store and util' }),
  layer('executors', above('executors'), { why: 'an executor imports nothing above it' }),
  layer('agents', above('agents'), { why: 'agents import nothing above them' }),
  layer('notify', [...above('notify'), 'executors'], { why: 'notify imports nothing above it, nor executors' }),
  layer('supervisor', above('supervisor'), { why: 'the supervisor imports nothing above it' }),
  layer('view', [...above('view'), 'supervisor'], { why: 'views import nothing above them' }),
  // Commands reach the supervisor only through start.ts and executors only through their public modules.
  layer('command-support', [...above('command-support'), 'supervisor', 'executors'], {
    except: PUBLIC,
    why: 'command helpers import no command, no supervisor internals and no executor internals',
  }),
  layer('commands', [...above('commands'), 'supervisor', 'executors'], {
    except: PUBLIC,
    why: 'commands never import supervisor or executor internals',
  }),
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  // The dashboard's page: browser modules served as they are (no bundler), no Node globals.
  {
    files: ['src/serve/dashboard/**/*.js'],
    languageOptions: { globals: { ...globals.browser } },
  },
);
