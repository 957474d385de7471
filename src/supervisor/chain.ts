// A supervisor process runs its job and then, instead of exiting and leaving the next job of its
// line to a new process, the jobs it takes over (dispatch.ts takeOver): one Node start saved per
// job, and the next job starts within milliseconds of its predecessor's end.
// Invariants:
// - A job is taken over only through the dispatcher's locked unpark step naming this process, so
//   it is run by exactly one supervisor, as if one had been spawned for it; a process that dies
//   leaves its taken jobs to reconciliation like any dead supervisor.
// - Each job taken over writes its diagnostics to its own supervisor.log (log.ts withLogFile).
// - A process takes over at most MAX_TAKEN jobs, then exits after its last one, so that nothing a
//   long chain might accumulate grows without bound; a stop signal ends the taking.
// - The jobs run concurrently (the next one starts while its predecessor delivers its
//   notifications); the process exits once every one of them is done.
import { closeDescriptors } from '../util/fs-checks.js';
import { jobDir } from '../store/jobs.js';
import { openSupervisorLog } from '../store/job-logs.js';
import { log, withLogFile, type LogFile } from '../log.js';
import { supervise, type TakeNext } from './main.js';

const MAX_TAKEN = 200;

/** Supervises job `id`, then every job taken over after it; rejects with the first job's failure. */
export async function superviseChain(root: string, id: string, configPath: string | undefined): Promise<void> {
  const running = new Set<Promise<void>>();
  let taken = 0;
  const takeNext: TakeNext = {
    canTake: () => taken < MAX_TAKEN,
    run: (next) => {
      taken++;
      const run = runTaken(root, next, configPath, takeNext).finally(() => running.delete(run));
      running.add(run);
    },
  };
  const first = await supervise(root, id, configPath, takeNext).then(
    () => undefined,
    (err: unknown) => (err instanceof Error ? err : new Error(String(err))),
  );
  while (running.size > 0) await Promise.race(running);
  if (first !== undefined) throw first;
}

/** One job taken over, its diagnostics in its own supervisor.log; a failure is logged there. */
async function runTaken(root: string, id: string, configPath: string | undefined, takeNext: TakeNext): Promise<void> {
  let file: LogFile | undefined;
  try {
    file = { fd: openSupervisorLog(jobDir(root, id)), closed: false };
  } catch {
    // Its log cannot be opened: its diagnostics go to this process's stderr.
  }
  const run = (): Promise<void> => supervise(root, id, configPath, takeNext).catch((err: unknown) => log.warn(`supervisor failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`));
  try {
    await withLogFile(file, run);
  } finally {
    if (file !== undefined) {
      file.closed = true;
      closeDescriptors([file.fd]);
    }
  }
}
