// Bundles src/cli.ts into dist/ with esbuild. Code splitting keeps what a command does not
// need (yargs for the supervisor, execa for everything but sinks) out of its start-up.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
await build({
  entryPoints: ['src/cli.ts'],
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: ['re2'],
  loader: { '.toml': 'text' },
  define: { __JOBCTL_VERSION__: JSON.stringify(pkg.version) },
  banner: { js: "import { createRequire as __jobctlCreateRequire } from 'node:module'; const require = __jobctlCreateRequire(import.meta.url);" },
  legalComments: 'none',
  logLevel: 'warning',
});

// The supervisor as one CommonJS file: a smaller heap per long-lived supervisor than the ESM
// graph. execa and re2 stay external, loaded only when a sink or a regex needs them.
await build({
  entryPoints: ['src/supervisor/entry.ts'],
  outfile: 'dist/supervisor.cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  minify: true,
  external: ['re2', 'execa'],
  loader: { '.toml': 'text' },
  define: { __JOBCTL_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__jobctlFileUrl' },
  banner: { js: "const __jobctlFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  legalComments: 'none',
  logLevel: 'warning',
});

// One self-contained module per source file (npm packages left external) for the unit tests.
const { readdirSync } = await import('node:fs');
const sources = readdirSync('src', { recursive: true })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
  .map((f) => `src/${f}`);
await build({
  entryPoints: sources,
  outdir: 'dist/lib',
  bundle: true,
  packages: 'external',
  loader: { '.toml': 'text' },
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});
