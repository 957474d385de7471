// Renders the figures as a plain-text table and gathers machine information for the JSON file.
import os from 'node:os';
import { spawnTimed } from './proc.mjs';

function fmtValue(x, unit) {
  if (x === undefined || Number.isNaN(x)) return '—';
  const digits = unit === 'ms' && Math.abs(x) >= 1000 ? 0 : 1;
  const n = x.toFixed(unit === 'jobs/s' ? 2 : digits);
  return `${n} ${unit}`;
}

function fmtTarget(f) {
  switch (f.target.kind) {
    case 'max_ratio':
      return `≤ ${f.target.value.toFixed(1)}×`;
    case 'min_ratio':
      return `≥ ${f.target.value.toFixed(1)}×`;
    case 'max':
      return `≤ ${f.target.value} ${f.unit}${f.id === 'wait_lag' ? ' median' : ''}`;
    default:
      return 'report';
  }
}

export function tableRows(figures) {
  return figures.map((f) => ({
    figure: f.figure,
    subject: fmtValue(f.subject.median, f.unit),
    baseline: f.baseline ? `${fmtValue(f.baseline.median, f.unit)} (${f.baseline.label})` : '—',
    ratio: f.ratio === undefined ? '—' : `${f.ratio.toFixed(2)}×`,
    target: fmtTarget(f),
    met: f.met === null ? '—' : f.met ? 'yes' : 'NO',
  }));
}

export function renderTable(figures) {
  const head = { figure: 'figure', subject: 'subject', baseline: 'baseline', ratio: 'ratio', target: 'target', met: 'met?' };
  const rows = [head, ...tableRows(figures)];
  const cols = Object.keys(head);
  const width = Object.fromEntries(cols.map((c) => [c, Math.max(...rows.map((r) => [...r[c]].length))]));
  const line = (r) => cols.map((c) => r[c] + ' '.repeat(width[c] - [...r[c]].length)).join(' | ');
  const sep = cols.map((c) => '-'.repeat(width[c])).join('-|-');
  const notes = figures.filter((f) => f.note).map((f) => `  ${f.id}: ${f.note}`);
  return [line(head), sep, ...rows.slice(1).map(line), ...(notes.length ? ['', 'notes:', ...notes] : [])].join('\n');
}

export async function machineInfo(ctx) {
  const cpus = os.cpus();
  const git = await spawnTimed('git', ['rev-parse', 'HEAD'], { cwd: ctx.projectDir }).catch(() => undefined);
  const dirty = await spawnTimed('git', ['status', '--porcelain', '--', 'src'], { cwd: ctx.projectDir }).catch(() => undefined);
  return {
    date: new Date().toISOString(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    cpus: cpus.length,
    cpu_model: cpus[0]?.model ?? 'unknown',
    total_mem_bytes: os.totalmem(),
    node_version: process.version,
    jobctl_version: ctx.version,
    ...(git?.code === 0 ? { git_commit: git.stdout.trim(), src_modified: dirty?.stdout.trim() !== '' } : {}),
  };
}
