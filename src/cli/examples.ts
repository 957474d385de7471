// Examples shown by `jobctl COMMAND --help` (1–3 per command) and `jobctl --help`. Help text
// only: loaded with yargs, never on the fast path.
export const TOP_LEVEL_EXAMPLES: [string, string][] = [
  ['$0 run -- make test', 'start a job, answer with a snapshot after at most 10s'],
  ['$0 wait 3f9k2a7q', 'block until that job ends (any unique id prefix)'],
  ['$0 schema run', 'the JSON Schema of run\'s answer'],
];

export const EXAMPLES: Record<string, [string, string][]> = {
  run: [
    ['$0 run -- npm test', 'an argv, run without a shell; snapshot after at most 10s'],
    ['$0 run --timeout 10m --tag ci "make -j4 2>&1 | tee build.log"', 'one word: a shell string'],
    ['$0 run --wait --prompt "Fix the failing test" --max-turns 20', 'a coding-agent job, waited for'],
  ],
  create: [
    ['$0 create --name nightly -- ./backup.sh', 'define a job now, start it later with start ID'],
  ],
  submit: [
    ['$0 submit shards.ndjson', 'one job per line: {"command": "pytest -k shard1", "queue": "ci", "tags": ["shard"]}'],
    ['seq 100 | jq -c \'{command: ["./lint.sh", (.|tostring)]}\' | $0 submit -', 'the lines on stdin'],
  ],
  start: [
    ['$0 start 3f9k2a7q --snapshot-after 2s', 'start a created job, answer after at most 2s'],
    ['$0 start --prompt "Review the diff" --workspace ~/repo', 'create and start an agent job'],
  ],
  restart: [
    ['$0 restart 3f9k2a7q --wait', 'run a finished job again in place, answer when it ends'],
  ],
  status: [
    ['$0 status 3f9k2a7q', 'state, pid, resource use, agent activity'],
  ],
  tail: [
    ['$0 tail 3f9k2a7q --tail-lines 20', 'the last 20 lines of stdout and stderr'],
    ['$0 tail 3f9k2a7q --grep "ERROR|FAIL" --context 2', 'the last matching lines, two lines around each'],
  ],
  logs: [
    ['$0 logs 3f9k2a7q --follow', 'stream new output as NDJSON until the job ends'],
    ['$0 logs 3f9k2a7q --activity --lines 10', 'an agent job\'s last 10 parsed events'],
  ],
  wait: [
    ['$0 wait 3f9k2a7q', 'block until the job ends'],
    ['$0 wait 3f9k2a7q --timeout 30s', 'at most 30s; wait_timed_out says which'],
  ],
  kill: [
    ['$0 kill 3f9k2a7q', 'SIGTERM the process group, SIGKILL after 5s'],
    ['$0 kill 3f9k2a7q --signal INT --grace 30s', 'SIGINT, SIGKILL after 30s'],
  ],
  list: [
    ['$0 list', 'jobs started from this directory, newest first'],
    ['$0 list --all --state running --tag ci.*', 'running jobs anywhere tagged ci or ci.<anything>'],
  ],
  dashboard: [
    ['$0 dashboard --all', 'every job with log sizes and agent progress'],
    ['$0 dashboard --watch 2s', 'the same as NDJSON every 2s until interrupted'],
  ],
  'tag set': [
    ['$0 tag set 3f9k2a7q --tag ci --tag nightly', 'replace the tags'],
    ['$0 tag set 3f9k2a7q', 'remove every tag'],
  ],
  'notify set': [
    ['$0 notify set 3f9k2a7q --file ~/jobs.ndjson', 'append job.finished to a file'],
    ['$0 notify set 3f9k2a7q --output-pattern ERROR --output-command "notify-send jobctl"', 'run a command for each new ERROR line'],
  ],
  events: [
    ['$0 events --job 3f9k2a7q', 'everything that happened to one job, in order'],
    ['$0 events --after 120 --type job.finished --type notify.failed', 'ends and failed deliveries since cursor 120'],
    ['$0 events --follow --since 1h', 'the last hour, then new events as NDJSON until interrupted'],
  ],
  gc: [
    ['$0 gc --older-than 7d --dry-run', 'what would be deleted'],
  ],
  delete: [
    ['$0 delete 3f9k2a7q', 'remove a finished job and its logs'],
  ],
  schema: [
    ['$0 schema', 'every output type and event'],
    ['$0 schema status', 'the schema of status\'s answer only'],
  ],
  version: [
    ['$0 version', 'the same as jobctl --version'],
  ],
  executors: [
    ['$0 executors --probe', 'every configured executor, checked for real'],
    ['$0 executors down gpu', 'destroy the idle instances of the cloud executor gpu'],
  ],
  stats: [
    ['$0 stats', 'jobs per state and executor, disk use'],
  ],
  queue: [
    ['$0 queue', 'running and waiting jobs of every concurrency limit'],
  ],
  'config path': [
    ['$0 config path', 'where the config is read from'],
  ],
  'config show': [
    ['$0 config show', 'the effective config, secrets masked'],
  ],
  'config import': [
    ['$0 config import agent-config.yaml --dry-run', 'the config.toml an openclaw-coding-agent YAML config becomes'],
    ['$0 config import agent-config.yaml --force', 'write it over the existing config'],
  ],
  'config init': [
    ['$0 config init', 'write a commented starter config.toml'],
  ],
  'install-skill': [
    ['$0 install-skill', 'write .claude/skills/jobctl/SKILL.md in this directory'],
    ['$0 install-skill --global', 'write ~/.claude/skills/jobctl/SKILL.md'],
  ],
  mcp: [
    ['$0 mcp', 'serve the MCP tools over stdio (register it with the agent, not in a terminal)'],
    ['$0 mcp --max-wait 25s', 'no tool call blocks longer than 25s'],
  ],
  runner: [
    ['$0 runner --server https://jobs.example:8443 --token-file ~/.config/jobctl/runner.token --name laptop', 'pull and run the jobs of [executors.laptop] type = "runner"'],
    ['$0 runner --server http://127.0.0.1:8787 --token-file t --name ci --label gpu --max-concurrent 2', 'two jobs at once at most'],
  ],
  serve: [
    ['$0 serve', 'the HTTP API on 127.0.0.1:8787; the ready line names the token file'],
    ['JOBCTL_TOKEN=... $0 serve --listen 0.0.0.0:8787', 'reachable from other machines (only with a token given)'],
  ],
};
