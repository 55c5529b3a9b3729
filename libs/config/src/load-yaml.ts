import { readFile } from 'node:fs/promises';
import { Result, Schema, SchemaIssue } from 'effect';
import { parseDocument } from 'yaml';
import { DppFile, withEnvOverrides } from './dpp-file.ts';

/**
 * A YAML config file decoded with a schema (after `adjust`, such as environment overrides);
 * unknown fields are refused. A failure is one line a
 * problem: `FILE: field.path: what was expected`, so an operator sees every fix at once.
 */
export async function loadYaml<S extends Parameters<typeof Schema.decodeUnknownResult>[0]>(path: string, schema: S, adjust: (raw: unknown) => unknown = (raw) => raw): Promise<Result.Result<S['Type'], string>> {
  const raw = await readYaml(path, adjust);
  if (Result.isFailure(raw)) return raw;
  const decoded = Schema.decodeUnknownResult(schema)(raw.success, { errors: 'all', onExcessProperty: 'error' });
  return Result.isSuccess(decoded) ? Result.succeed(decoded.success) : Result.fail(issueLines(path, SchemaIssue.makeFormatterDefault()(decoded.failure.issue)));
}

/** A YAML file's value as written (after `adjust`), before any schema: or its syntax errors, one line each. */
export async function readYaml(path: string, adjust: (raw: unknown) => unknown = (raw) => raw): Promise<Result.Result<unknown, string>> {
  // One line a problem: the YAML parser's first says what and where; the code frame after it would break the form.
  const line = (error: Error) => `${path}: ${error.message.split('\n')[0]!.replace(/:$/, '')}`;
  try {
    // logLevel 'error': what it would warn of (here and in toJS) is collected below, not printed.
    const document = parseDocument(await readFile(path, 'utf8'), { logLevel: 'error' });
    // Warnings too (an unknown tag or directive): the parser would otherwise print them past our log, and the value they leave is a guess.
    const problems = [...document.errors, ...document.warnings];
    if (problems.length > 0) return Result.fail(problems.map(line).join('\n'));
    return Result.succeed(adjust(document.toJS()));
  } catch (error) {
    return Result.fail(line(error as Error));
  }
}

/** The speaker's config file as written, with the environment's overrides, before any schema. */
export const readDppYaml = (path: string): Promise<Result.Result<unknown, string>> => readYaml(path, (raw) => withEnvOverrides(raw, process.env));

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
