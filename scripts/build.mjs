// Builds dist/ with esbuild:
// - dist/cli.cjs: the CLI as one CommonJS file. CommonJS starts faster than an ES module graph
//   (no ESM loader), and code a call does not need (yargs for help and usage errors) is only
//   initialised when used.
// - dist/supervisor.cjs: the per-job supervisor, the smallest graph that can run a job.
// - dist/index.js: the library (`import { run } from 'jobctl'`), an ES module, with its types
//   dist/index.d.ts generated from the commands' flags (scripts/library-types.mjs).
// - dist/dashboard/: the dashboard's static files (src/serve/dashboard/), as `jobctl serve` serves them.
// - dist/lib/: one self-contained module per source file (npm packages external), for unit tests.
// The runtime dependencies stay external everywhere: loaded from node_modules only when a
// notification command, a regex, `config import` or `mcp` needs them (yaml bundled in would make
// every call compile its 115 KB: ≈ 5 ms of each start-up; the MCP SDK and zod are larger still).
import { build } from 'esbuild';
import { cpSync, readFileSync, readdirSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const common = {
  bundle: true,
  // Packages resolve as node resolves them, NODE_PATH included.
  nodePaths: (process.env.NODE_PATH ?? '').split(':').filter(Boolean),
  platform: 'node',
  target: 'node20',
  loader: { '.toml': 'text', '.md': 'text' },
  legalComments: 'none',
  logLevel: 'warning',
};
const external = ['re2', 'execa', 'yaml', '@modelcontextprotocol/sdk', 'zod', 'better-sqlite3'];
const version = { __JOBCTL_VERSION__: JSON.stringify(pkg.version) };
const commonjs = {
  ...common,
  format: 'cjs',
  minify: true,
  external: external.flatMap((name) => [name, `${name}/*`]),
  define: { ...version, 'import.meta.url': '__jobctlFileUrl' },
  banner: { js: "const __jobctlFileUrl = require('node:url').pathToFileURL(__filename).href;" },
};

await build({ ...commonjs, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.cjs' });
await build({ ...commonjs, entryPoints: ['src/supervisor/entry.ts'], outfile: 'dist/supervisor.cjs' });

// The library: an ES module beside supervisor.cjs (which it starts, like the CLI).
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', format: 'esm', external: external.flatMap((name) => [name, `${name}/*`]), define: version, banner: { js: "import { createRequire as __jobctlRequire } from 'node:module'; const require = __jobctlRequire(import.meta.url);" } });

const sources = readdirSync('src', { recursive: true })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => `src/${f}`);
await build({ ...common, entryPoints: sources, outdir: 'dist/lib', format: 'esm', packages: 'external' });

// The dashboard's static files, served by `jobctl serve` from dist/dashboard/.
cpSync('src/serve/dashboard', 'dist/dashboard', { recursive: true });

const { writeLibraryTypes } = await import('./library-types.mjs');
await writeLibraryTypes('dist/index.d.ts');
