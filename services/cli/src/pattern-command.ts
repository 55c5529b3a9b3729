import { formatPattern, formatPattern00, parsePattern, specificityScore, specificityScore00 } from '#libs/eid';
import { EXIT, type CommandIo } from './io.ts';

export const PATTERN_USAGE = `usage: dpp pattern PATTERN...

Checks EID patterns against the DPP rules (draft-taylor-dtn-dpp-01 §4.1; draft -00's forms are
read too) and prints one JSON object per pattern, one per line:
  {"pattern": "<canonical -01 text>", "valid": true, "score": <specificity score, -01 §4.2>,
   "draft00": "<the same pattern as -00 wrote it>" | null, "score00": <its -00 score> | null}
  {"pattern": "<the input>", "valid": false, "error": "column N: <what is wrong>"}
draft00 is null for a pattern -00 cannot say (a service or a path). Exits 0 when every pattern
is valid, 1 when any is not, 2 on a usage error.

examples:
  dpp pattern 'ipn:100.[10-13].*'            score 62 (-00: ipn:100.[10-13], 62)
  dpp pattern ipn:100.1                      ipn:100.1.*, score 64 (-00: 320)
  dpp pattern 'dtn://rover*.example.org/**'  score 18 (-00: dtn://rover*.example.org, 17)
`;

export type PatternReport =
  | { readonly pattern: string; readonly valid: true; readonly score: number; readonly draft00: string | null; readonly score00: number | null }
  | { readonly pattern: string; readonly valid: false; readonly error: string };

export function patternReport(text: string): PatternReport {
  const parsed = parsePattern(text);
  if (!parsed.ok) return { pattern: text, valid: false, error: parsed.error.message };
  const p = parsed.value;
  return { pattern: formatPattern(p), valid: true, score: specificityScore(p), draft00: formatPattern00(p) ?? null, score00: specificityScore00(p) ?? null };
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
