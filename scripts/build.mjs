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
