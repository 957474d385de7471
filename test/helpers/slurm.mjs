// A real one-node Slurm cluster for end-to-end tests: a private munged (own socket), slurmctld
// and slurmd on loopback with free ports, all state, spool and logs in a temp directory.
//
// What this Slurm (22.05, no accounting database) reports, as observed with this fixture:
// - `squeue -h -j ID -o %T` shows PENDING/RUNNING; once the job ended it prints nothing (exit 0)
//   unless `-t all` is given (then COMPLETED, FAILED...).
// - `scontrol show job -o ID` has JobState=... Reason=... ExitCode=code:signal until MinJobAge
//   (300 s here) after the end; after that the job is unknown to it.
// - `sacct -j ID ...` prints "Slurm accounting storage is disabled" and exits 1.
// - `sacct -c -j ID -X -n -P -o JobID,State,ExitCode` reads the job completion file (JobCompLoc)
//   and keeps answering after MinJobAge; it prints nothing while the job runs.
//   job                                    scontrol JobState/Reason/ExitCode      sacct -c
//   echo hi                                COMPLETED None 0:0                     ID|COMPLETED|0:0
//   exit 3                                 FAILED NonZeroExitCode 3:0             ID|FAILED|3:0
//   scancel (running)                      CANCELLED None 0:15                    ID|CANCELLED|0:0
//   scancel (pending)                      CANCELLED Resources 0:0                ID|CANCELLED|0:0
//   scancel --signal=TERM --batch, sh dies FAILED JobLaunchFailure 0:15           ID|FAILED|0:15
//   same, script traps TERM and exits 7    FAILED NonZeroExitCode 7:0             ID|FAILED|7:0
//   --time=1, ends at once                 COMPLETED None 0:0                     ID|COMPLETED|0:0
//   --time=1, sleeps on (killed 60-90 s)   TIMEOUT TimeLimit 0:15                 ID|TIMEOUT|0:0
//   `scancel --signal=TERM ID` without --batch/--full does not reach a batch script that has no
//   steps: the job keeps RUNNING.
// A batch job starts about 1 s after sbatch (2 s for the first one).
// JobAcctGatherType=jobacct_gather/linux (no database needed): `sstat -n -P -a -j ID -o
// NTasks,TRESUsageInTot` answers a running batch step in ~10 ms with fresh figures
// ("1|cpu=00:00:02,...,mem=3112K,..."); with jobacct_gather/none it has none.
import { chmodSync, chownSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, hostname, totalmem } from 'node:os';
import { join } from 'node:path';
import { needInfra, endProcessesUsing, forceCleanDirSync, removeDir, startDaemon, stopper, tempDir } from './daemon.mjs';
import { check, exec, freePort, isRoot, missingCommands, waitFor, which } from './proc.mjs';

const MUNGE_KEY = '/etc/munge/munge.key';

async function mungeUser() {
  const r = await exec('getent', ['passwd', 'munge']);
  if (r.code !== 0) return null;
  const [, , uid, gid] = r.stdout.trim().split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** The munge key must exist (owner munge, 0400); made once with mungekey when missing. */
async function ensureMungeKey(munge) {
  if (!existsSync(MUNGE_KEY)) {
    mkdirSync('/etc/munge', { recursive: true });
    const r = await exec('mungekey', ['--create', '--keyfile', MUNGE_KEY]);
    // Another test file may have made it at the same moment.
    if (r.code !== 0 && !existsSync(MUNGE_KEY)) throw new Error(`mungekey --create: ${r.stderr.trim()}`);
    chownSync('/etc/munge', munge.uid, munge.gid);
    chmodSync('/etc/munge', 0o700);
    chownSync(MUNGE_KEY, munge.uid, munge.gid);
    chmodSync(MUNGE_KEY, 0o400);
  }
  if (statSync(MUNGE_KEY).uid !== munge.uid) throw new Error(`${MUNGE_KEY} is not owned by munge`);
}

/**
 * Starts a one-node cluster for the test file (stopped by the file's `after` hook, or by stop()).
 * Returns
 *   { env: { SLURM_CONF }, partition: 'debug', node, confFile, jobCompLoc, dir, log(), stop() }
 * or undefined after needInfra(t, 'slurm', ...). Run every Slurm command (and jobctl) with `env`.
 * Jobs run as root on this machine; `dir` is a scratch directory tests may write job output to.
 */
export async function startSlurm(t) {
  const missing = missingCommands(['slurmctld', 'slurmd', 'sbatch', 'sinfo', 'squeue', 'scontrol', 'scancel', 'sacct', 'munged', 'munge', 'setpriv']);
  const munge = await mungeUser();
  if (!needInfra(t, 'slurm', missing.length === 0 && munge && isRoot(),
    missing.length ? `not installed: ${missing.join(', ')}` : !munge ? 'no munge user' : 'not running as root')) return undefined;

  const dir = tempDir('jct-sl-');
  const confFile = join(dir, 'slurm.conf');
  const env = { SLURM_CONF: confFile };
  const cliEnv = { ...process.env, ...env };
  const daemons = [];

  const stop = stopper(`slurm ${dir}`, async () => {
    const errors = [];
    const [ctld, slurmd] = [daemons.find((d) => d.name === 'slurmctld'), daemons.find((d) => d.name === 'slurmd')];
    if (ctld && !ctld.exitStatus && slurmd && !slurmd.exitStatus) {
      // Cancel every job so that the step daemons end them and exit (KillWait is 2 s).
      await exec('scancel', ['--partition', 'debug'], { env: cliEnv });
      try {
        await waitFor('jobs cancelled', async () => (await check('squeue', ['-h', '-o', '%i'], { env: cliEnv })).trim() === '', { timeout: 20_000 });
      } catch (err) {
        errors.push(err.message);
      }
    }
    for (const d of [...daemons].reverse()) {
      try { await d.stop(); } catch (err) { errors.push(err.message); }
    }
    // slurmstepd and job processes keep the slurmd log or the spool open, or run in `dir`.
    const left = await endProcessesUsing(dir, { grace: 2000 });
    if (left.length) errors.push(`processes still running: ${left.join(' ')}`);
    removeDir(dir);
    if (errors.length) throw new Error(errors.join('; '));
  });
  stop.register(() => forceCleanDirSync(dir));

  try {
    await ensureMungeKey(munge);
    // munged checks that its socket directory is owned by it and reachable by all.
    chmodSync(dir, 0o755);
    const mungeDir = join(dir, 'munge');
    mkdirSync(mungeDir, { mode: 0o755 });
    chmodSync(mungeDir, 0o755);
    chownSync(mungeDir, munge.uid, munge.gid);
    const mungeSocket = join(mungeDir, 'munge.sock');
    daemons.push(startDaemon('munged', which('setpriv'), [
      '--reuid=munge', '--regid=munge', '--init-groups', which('munged'), '--foreground',
      `--socket=${mungeSocket}`, `--pid-file=${join(mungeDir, 'munged.pid')}`,
      `--seed-file=${join(mungeDir, 'munged.seed')}`, `--log-file=${join(mungeDir, 'munged.log')}`,
    ], { logFile: join(dir, 'munged.out') }));
    await waitFor('munged', async () => (await exec('munge', ['--no-input', '--socket', mungeSocket])).code === 0, { timeout: 20_000, daemons });

    const node = hostname().split('.')[0];
    const [ctldPort, slurmdPort] = [await freePort(), await freePort()];
    const cpus = availableParallelism();
    // Below what the machine has, or slurmd would drain the node.
    const realMemory = Math.max(256, Math.min(4096, Math.floor(totalmem() / 2 ** 20 / 2)));
    for (const d of ['state', 'spool', 'log']) mkdirSync(join(dir, d));
    const plugstack = join(dir, 'plugstack.conf');
    writeFileSync(plugstack, '');
    const jobCompLoc = join(dir, 'jobcomp.txt');
    writeFileSync(confFile, [
      'ClusterName=jobctl-test',
      `SlurmctldHost=${node}(127.0.0.1)`,
      `SlurmctldPort=${ctldPort}`,
      `SlurmdPort=${slurmdPort}`,
      'SlurmUser=root',
      'SlurmdUser=root',
      'AuthType=auth/munge',
      'CredType=cred/munge',
      `AuthInfo=socket=${mungeSocket}`,
      `StateSaveLocation=${join(dir, 'state')}`,
      `SlurmdSpoolDir=${join(dir, 'spool')}`,
      `SlurmctldPidFile=${join(dir, 'slurmctld.pid')}`,
      `SlurmdPidFile=${join(dir, 'slurmd.pid')}`,
      `SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}`,
      `SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}`,
      `PlugStackConfig=${plugstack}`,
      'MailProg=/bin/true',
      'ProctrackType=proctrack/linuxproc',
      'TaskPlugin=task/none',
      'SelectType=select/cons_tres',
      'SelectTypeParameters=CR_CPU',
      'SchedulerType=sched/backfill',
      // Start batch jobs as soon as they are submitted (the default may wait up to 3 s).
      'SchedulerParameters=batch_sched_delay=0,sched_min_interval=0',
      'JobCompType=jobcomp/filetxt',
      `JobCompLoc=${jobCompLoc}`,
      'JobAcctGatherType=jobacct_gather/linux',
      'AccountingStorageType=accounting_storage/none',
      'MpiDefault=none',
      'SwitchType=switch/none',
      'MinJobAge=300',
      'ReturnToService=2',
      // SIGTERM to SIGKILL at cancel and time limit.
      'KillWait=2',
      'InactiveLimit=0',
      // The node as configured even where the hardware reports another layout.
      'SlurmdParameters=config_overrides',
      `NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${realMemory} State=UNKNOWN`,
      'PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP',
      '',
    ].join('\n'));

    daemons.push(startDaemon('slurmctld', which('slurmctld'), ['-D', '-f', confFile], { env: cliEnv, logFile: join(dir, 'slurmctld.out') }));
    daemons.push(startDaemon('slurmd', which('slurmd'), ['-D', '-f', confFile, '-N', node], { env: cliEnv, logFile: join(dir, 'slurmd.out') }));
    await waitFor('slurm node idle', async () => (await check('sinfo', ['-h', '-o', '%T'], { env: cliEnv, timeout: 10_000 })).trim() === 'idle', { timeout: 60_000, daemons });
    return {
      env,
      partition: 'debug',
      node,
      confFile,
      jobCompLoc,
      dir,
      log: () => daemons.map((d) => `--- ${d.name}\n${d.logTail(10_000)}`).join('\n'),
      stop,
    };
  } catch (err) {
    await stop().catch(() => {});
    if (!needInfra(t, 'slurm', false, `cannot start Slurm: ${err.message}`)) return undefined;
  }
}
