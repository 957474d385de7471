// Filled in by the build from package.json.
declare const __JOBCTL_VERSION__: string | undefined;
export const VERSION: string = typeof __JOBCTL_VERSION__ === 'string' ? __JOBCTL_VERSION__ : '0.0.0-dev';
