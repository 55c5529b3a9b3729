import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Result, Schema, SchemaIssue } from 'effect';
import { parseDocument } from 'yaml';
import { adName } from '#libs/identity';
import { DppFile, withEnvOverrides } from './dpp-file.ts';

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

/**
 * The speaker's config file as written, with the environment's overrides, before any schema; a
 * `policy_file` is read in as its `policy` (one policy file for every site of an AD).
 */
export async function readDppYaml(path: string): Promise<Result.Result<unknown, string>> {
  const raw = await readYaml(path, (value) => withEnvOverrides(value, process.env));
  if (Result.isFailure(raw) || typeof raw.success !== 'object' || raw.success === null) return raw;
  const file = raw.success as { policy?: unknown; policy_file?: unknown };
  if (typeof file.policy_file !== 'string') return raw;
  if (file.policy !== undefined) return Result.fail(`${path}: policy_file: the policy is given twice; keep policy or policy_file`);
  const policy = await readYaml(policyFilePath(path, file.policy_file));
  return Result.isFailure(policy) ? Result.fail(policy.failure.split('\n').map((line) => `${path}: policy_file ${line}`).join('\n')) : Result.succeed({ ...file, policy: policy.success ?? {} });
}

/** Where a config's policy_file is: relative to the config file. */
export const policyFilePath = (path: string, policyFile: string): string => resolve(dirname(path), policyFile);

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

/**
 * The speaker's config file, with the environment's overrides (DPP_NATS_URL, DPP_KEY_FILE,
 * DPP_TLS_KEY) and its policy_file read in. A problem in a policy read from a policy_file names
 * that file after this one (every line of a failure starts with this file's path).
 */
export async function loadDppFile(path: string): Promise<Result.Result<DppFile, string>> {
  const raw = await readDppYaml(path);
  if (Result.isFailure(raw)) return Result.fail(raw.failure);
  const decoded = Schema.decodeUnknownResult(DppFile)(raw.success, { errors: 'all', onExcessProperty: 'error' });
  if (Result.isSuccess(decoded)) return Result.succeed(decoded.success);
  const included = typeof raw.success === 'object' && raw.success !== null ? (raw.success as { policy_file?: unknown }).policy_file : undefined;
  const lines = issueLines(path, SchemaIssue.makeFormatterDefault()(decoded.failure.issue)).split('\n');
  if (typeof included !== 'string') return Result.fail(lines.join('\n'));
  // A problem of a policy read from its own file names that file too, and the field as that file has it.
  const inPolicy = `${path}: policy.`;
  return Result.fail(lines.map((line) => (line.startsWith(inPolicy) ? `${path}: policy_file ${policyFilePath(path, included)}: ${line.slice(inPolicy.length)}` : line)).join('\n'));
}

/**
 * A service's reading of the speaker's file: decoded, and the AD it names checked as a DNS name.
 * `problems` starts with the AD's, for the service to add its own to and report all at once.
 */
export async function loadServiceFile(path: string): Promise<Result.Result<{ readonly file: DppFile; readonly ad: string | undefined; readonly problems: string[] }, string>> {
  const decoded = await loadDppFile(path);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const ad = adName(decoded.success.ad);
  return Result.succeed({ file: decoded.success, ad: Result.isSuccess(ad) ? ad.success : undefined, problems: Result.isFailure(ad) ? [`${path}: ad: ${ad.failure}`] : [] });
}
