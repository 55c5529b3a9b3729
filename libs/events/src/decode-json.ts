import { Result, Schema, SchemaIssue } from 'effect';

/** JSON text checked against a schema: the value, or one line saying what is wrong and where. */
export function decodeJson<S extends Parameters<typeof Schema.decodeUnknownResult>[0]>(schema: S, json: string): Result.Result<S['Type'], string> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return Result.fail(`not JSON: ${(error as Error).message}`);
  }
  const decoded = Schema.decodeUnknownResult(schema)(raw, { errors: 'all' });
  return Result.isSuccess(decoded) ? Result.succeed(decoded.success) : Result.fail(SchemaIssue.makeFormatterDefault()(decoded.failure.issue).replace(/\n\s+/g, ' '));
}
