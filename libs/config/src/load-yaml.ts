import { readFile } from 'node:fs/promises';
import { Result, Schema, SchemaIssue } from 'effect';
import { parse as parseYaml } from 'yaml';
import { DppFile, withEnvOverrides } from './dpp-file.ts';

/**
 * A YAML config file decoded with a schema (after `adjust`, such as environment overrides);
 * unknown fields are refused. A failure is one line a
 * problem: `FILE: field.path: what was expected`, so an operator sees every fix at once.
 */
export async function loadYaml<S extends Parameters<typeof Schema.decodeUnknownResult>[0]>(path: string, schema: S, adjust: (raw: unknown) => unknown = (raw) => raw): Promise<Result.Result<S['Type'], string>> {
  let raw: unknown;
  try {
    raw = adjust(parseYaml(await readFile(path, 'utf8')));
  } catch (error) {
    // One line: the YAML parser's first says what and where; the code frame after it would break the one-problem-a-line form.
    return Result.fail(`${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  const decoded = Schema.decodeUnknownResult(schema)(raw, { errors: 'all', onExcessProperty: 'error' });
  return Result.isSuccess(decoded) ? Result.succeed(decoded.success) : Result.fail(issueLines(path, SchemaIssue.makeFormatterDefault()(decoded.failure.issue)));
}

/** effect's "message\n  at ["a"][0]["b"]" pairs as "file: a[0].b: message" lines. */
function issueLines(path: string, formatted: string): string {
  const lines = formatted.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const where = /^\s+at (.*)$/.exec(lines[i + 1] ?? '');
    const field = where ? where[1]!.replace(/\["([^"]+)"\]/g, '.$1').replace(/^\./, '') : '(top level)';
    const message = lines[i]!.trim() === 'Expected no excess property' ? 'not a field of this config: remove it, or check its spelling' : lines[i]!.trim();
    out.push(`${path}: ${field}: ${message}`);
    if (where) i++;
  }
  return out.join('\n');
}

/** The speaker's config file, with the environment's overrides (DPP_NATS_URL, DPP_KEY_FILE, DPP_TLS_KEY). */
export const loadDppFile = (path: string): Promise<Result.Result<DppFile, string>> => loadYaml(path, DppFile, (raw) => withEnvOverrides(raw, process.env));
