// Builds dist/ with esbuild:
// - dist/cli.cjs: the CLI as one CommonJS file. CommonJS starts faster than an ES module graph
//   (no ESM loader), and code a call does not need (yargs for help and usage errors) is only
//   initialised when used.
// - dist/supervisor.cjs: the per-job supervisor, the smallest graph that can run a job.
// - dist/lib/: one self-contained module per source file (npm packages external), for unit tests.
// execa, re2 and yaml stay external everywhere: loaded from node_modules only when a
// notification command, a regex or `config import` needs them (yaml bundled in would make
// every call compile its 115 KB: ≈ 5 ms of each start-up).
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const common = {
  bundle: true,
  // Packages resolve as node resolves them, NODE_PATH included.
  nodePaths: (process.env.NODE_PATH ?? '').split(':').filter(Boolean),
  platform: 'node',
  target: 'node20',
  loader: { '.toml': 'text' },
  legalComments: 'none',
  logLevel: 'warning',
};
const commonjs = {
  ...common,
  format: 'cjs',
  minify: true,
  external: ['re2', 'execa', 'yaml'],
  define: { __JOBCTL_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__jobctlFileUrl' },
  banner: { js: "const __jobctlFileUrl = require('node:url').pathToFileURL(__filename).href;" },
};

await build({ ...commonjs, entryPoints: ['src/cli.ts'], outfile: 'dist/cli.cjs' });
await build({ ...commonjs, entryPoints: ['src/supervisor/entry.ts'], outfile: 'dist/supervisor.cjs' });

const sources = readdirSync('src', { recursive: true })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => `src/${f}`);
await build({ ...common, entryPoints: sources, outdir: 'dist/lib', format: 'esm', packages: 'external' });
