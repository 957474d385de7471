// The package's library entry (`import { run, status, wait } from 'jobctl'`, dist/index.js).
// Every function calls the same command handler as the CLI and resolves to the object the CLI
// prints; a failure rejects with JobctlError. Its types are dist/index.d.ts, generated at build.
import { libraryFunction } from './library/functions.js';

export { JobError as JobctlError } from './errors.js';

export const run = libraryFunction('run');
export const create = libraryFunction('create');
export const start = libraryFunction('start');
export const status = libraryFunction('status');
export const tail = libraryFunction('tail');
export const wait = libraryFunction('wait');
export const kill = libraryFunction('kill');
export const list = libraryFunction('list');
export const logs = libraryFunction('logs');
export const restart = libraryFunction('restart');
export const tagSet = libraryFunction('tagSet');
export const notifySet = libraryFunction('notifySet');
export const gc = libraryFunction('gc');
export const deleteJob = libraryFunction('deleteJob');
export const stats = libraryFunction('stats');
export const queue = libraryFunction('queue');
export const events = libraryFunction('events');
export const executors = libraryFunction('executors');
export const schema = libraryFunction('schema');
export const version = libraryFunction('version');
export const installSkill = libraryFunction('installSkill');
