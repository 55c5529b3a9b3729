import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EXIT, type CommandIo } from './io.ts';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * A command's arguments by its options (`--help` and `--json` included), or the exit code once a
 * usage error or the help text has been written.
 */
export function commandLine(args: readonly string[], io: CommandIo, usage: string, options: Options): { values: Record<string, string | boolean | undefined>; positionals: string[] } | number {
  try {
    const parsed = parseArgs({ args: [...args], allowPositionals: true, options: { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false }, ...options } });
    if (parsed.values['help']) {
      io.out.write(usage);
      return EXIT.ok;
    }
    return { values: parsed.values as Record<string, string | boolean | undefined>, positionals: parsed.positionals };
  } catch (error) {
    io.err.write(`dpp: ${(error as Error).message}\n\n${usage}`);
    return EXIT.usage;
  }
}

/** Rows as aligned columns, the first row the heading. */
export const table = (rows: readonly (readonly string[])[]): string => {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => `${r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`).join('');
};

/** A route's window (§6.5) as text: `from..until` in ISO times, either side empty when open, `-` for none. */
export const windowText = (from: number | undefined, until: number | undefined): string =>
  from === undefined && until === undefined ? '-' : `${from === undefined ? '' : new Date(from).toISOString()}..${until === undefined ? '' : new Date(until).toISOString()}`;

/** An ISO time given on the command line, or undefined when it is not one (reported). */
export function isoTime(text: string, name: string, io: CommandIo): number | undefined {
  const time = Date.parse(text);
  if (Number.isNaN(time)) io.err.write(`dpp: ${name} "${text}": expected an ISO time, e.g. 2026-12-01T00:00:00Z\n`);
  return Number.isNaN(time) ? undefined : time;
}

/** A non-negative integer option with a default; undefined when it is not one (reported). */
export function intOption(text: string | boolean | undefined, name: string, fallback: number, io: CommandIo): number | undefined {
  if (typeof text !== 'string') return fallback;
  const n = Number(text);
  if (Number.isInteger(n) && n >= 0) return n;
  io.err.write(`dpp: ${name} "${text}": expected a whole number\n`);
  return undefined;
}

/** A duration as an operator reads it: 42s, 3m2s, 5h4m, 2d3h. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s}s` : s < 3_600 ? `${Math.floor(s / 60)}m${s % 60}s` : s < 86_400 ? `${Math.floor(s / 3_600)}h${Math.floor((s % 3_600) / 60)}m` : `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3_600)}h`;
}
