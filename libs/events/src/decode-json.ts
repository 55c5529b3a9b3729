import { Result, Schema, SchemaIssue, type SchemaAST } from 'effect';
import { compile, type FastDecoder } from './fast-decode.ts';

/** Each schema's compiled decoder (null: the schema has a shape it does not take). */
const compiled = new WeakMap<object, FastDecoder | null>();

/**
 * JSON text checked against a schema: the value, or one line saying what is wrong and where. The
 * schema's compiled decoder answers first (fast-decode.ts); what it leaves, the schema decodes,
 * with its issues as the message.
 */
export function decodeJson<S extends Parameters<typeof Schema.decodeUnknownResult>[0]>(schema: S, json: string): Result.Result<S['Type'], string> {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (error) {
    return Result.fail(`not JSON: ${(error as Error).message}`);
  }
  let fast = compiled.get(schema);
  if (fast === undefined) compiled.set(schema, (fast = compile(schema as unknown as { readonly ast: SchemaAST.AST }) ?? null));
  const quick = fast?.(raw);
  if (quick !== undefined) return Result.succeed(quick.value as S['Type']);
  const decoded = Schema.decodeUnknownResult(schema)(raw, { errors: 'all' });
  return Result.isSuccess(decoded) ? Result.succeed(decoded.success) : Result.fail(SchemaIssue.makeFormatterDefault()(decoded.failure.issue).replace(/\n\s+/g, ' '));
}
