// Where the job store and the config live: --root > JOBCTL_ROOT > <env-paths data>/jobs;
// --config > JOBCTL_CONFIG > <env-paths config>/config.toml.
import envPaths from 'env-paths';
import { resolve, join } from 'node:path';

const paths = () => envPaths('jobctl', { suffix: '' });

export function resolveRoot(flag: string | undefined): string {
  const chosen = flag ?? process.env['JOBCTL_ROOT'];
  if (chosen !== undefined && chosen !== '') return resolve(chosen);
  return join(paths().data, 'jobs');
}

export interface ConfigLocation {
  path: string;
  source: 'flag' | 'env' | 'default';
}

export function resolveConfigPath(flag: string | undefined): ConfigLocation {
  if (flag !== undefined && flag !== '') return { path: resolve(flag), source: 'flag' };
  const env = process.env['JOBCTL_CONFIG'];
  if (env !== undefined && env !== '') return { path: resolve(env), source: 'env' };
  return { path: join(paths().config, 'config.toml'), source: 'default' };
}
