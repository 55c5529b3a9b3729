import { formatPattern, parsePattern, specificityScore } from '#libs/eid';
import { EXIT, type CommandIo } from './io.ts';

export const PATTERN_USAGE = `usage: dpp pattern PATTERN...

Checks EID patterns against the DPP rules (draft-taylor-dtn-dpp-00 §4.1) and prints one JSON
object per pattern, one per line:
  {"pattern": "<canonical text>", "valid": true, "score": <specificity score, §4.2>}
  {"pattern": "<the input>", "valid": false, "error": "column N: <what is wrong>"}
Exits 0 when every pattern is valid, 1 when any is not, 2 on a usage error.

examples:
  dpp pattern 'ipn:100.[10-13]'          score 62
  dpp pattern dtn://rover*.example.org   score 17
`;

export type PatternReport =
  | { readonly pattern: string; readonly valid: true; readonly score: number }
  | { readonly pattern: string; readonly valid: false; readonly error: string };

export function patternReport(text: string): PatternReport {
  const parsed = parsePattern(text);
  return parsed.ok
    ? { pattern: formatPattern(parsed.value), valid: true, score: specificityScore(parsed.value) }
    : { pattern: text, valid: false, error: parsed.error.message };
}

export function patternCommand(args: readonly string[], io: CommandIo): number {
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    (args.length === 0 ? io.err : io.out).write(PATTERN_USAGE);
    return args.length === 0 ? EXIT.usage : EXIT.ok;
  }
  const reports = args.map(patternReport);
  for (const report of reports) io.out.write(`${JSON.stringify(report)}\n`);
  return reports.every((r) => r.valid) ? EXIT.ok : EXIT.invalid;
}
