import { execSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import type { Figure } from './figure.ts';

export function machine(): Record<string, string | number> {
  let commit = 'unknown';
  try {
    commit = execSync('git rev-parse --short HEAD', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
  } catch {
    // Not a git checkout: the figure still stands, without its commit.
  }
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    commit,
  };
}

const fmt = (x: number): string =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e3 ? `${(x / 1e3).toFixed(1)}k` : x.toFixed(2);

export function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [
    f.name,
    `${fmt(f.measured.median)} ${f.unit}`,
    `${f.baseline.name}: ${fmt(f.baseline.median)} ${f.unit}`,
    `${f.ratio.toFixed(2)}×`,
    [
      f.targets.min === undefined ? '' : `≥ ${fmt(f.targets.min)}`,
      f.targets.max === undefined ? '' : `≤ ${fmt(f.targets.max)}`,
      f.targets.minRatio === undefined ? '' : `≥ ${f.targets.minRatio}×`,
    ]
      .filter(Boolean)
      .join(', '),
    // A figure reported without a target is neither met nor missed.
    Object.values(f.targets).every((t) => t === undefined) ? '' : f.met ? 'met' : 'MISSED',
  ]);
  const head = ['figure', 'median', 'baseline (same run)', 'ratio', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The notes of each figure, one `name: value` per line under its figure's name. */
export const notes = (figures: readonly Figure[]): string =>
  figures
    .map((f) => `${f.name}\n${Object.entries(f.notes).map(([k, v]) => `  ${k}: ${typeof v === 'number' && v >= 1e4 ? fmt(v) : v}`).join('\n')}`)
    .join('\n');

export function save(dir: URL, mode: string, figures: readonly Figure[]): string {
  mkdirSync(dir, { recursive: true });
  const at = new Date().toISOString();
  const file = new URL(`${at.replaceAll(':', '-')}-${mode}.json`, dir);
  writeFileSync(file, `${JSON.stringify({ at, mode, machine: machine(), figures }, null, 2)}\n`);
  return file.pathname;
}
