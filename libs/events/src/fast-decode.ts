import type { SchemaAST } from 'effect';

/** A decoder for the hot path: the value the schema decodes `raw` to, or undefined when it cannot say (the schema then decides, and says why). */
export type FastDecoder = (raw: unknown) => { readonly value: unknown } | undefined;

type Node = SchemaAST.AST & { readonly checks?: readonly { readonly run: (input: unknown, ast: unknown, options: object) => unknown }[]; readonly encoding?: unknown; readonly context?: { readonly isOptional?: boolean } };

/** A shape outside what `compile` takes: the schema alone decodes it. */
class Unsupported extends Error {}

/**
 * Compiles a schema of plain JSON data (structs without index signatures, arrays, strings,
 * numbers, literals, null, unknown, unions, optional fields, and checks such as Int or Finite) into a
 * decoder that runs its checks without building Schema's issue tree: the events of the data path
 * are decoded a million times a run (docs/spec-notes.md, the hot-path decoders). It accepts what
 * the schema accepts and answers what the schema's decode would: the fields the schema names, in
 * its order (`libs/events/test/fast-decode.test.ts` holds it to that). A schema with anything else
 * (transformations, declarations) gives undefined, and is decoded by the schema alone.
 */
export function compile(schema: { readonly ast: SchemaAST.AST }): FastDecoder | undefined {
  try {
    const decode = node(schema.ast as Node);
    return (raw) => {
      const value = decode(raw);
      return value === NO ? undefined : { value };
    };
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

const NO = Symbol('no');

function node(ast: Node): (raw: unknown) => unknown {
  if (ast.encoding !== undefined) throw new Unsupported();
  const checks = ast.checks ?? [];
  const base = shape(ast);
  if (checks.length === 0) return base;
  return (raw) => {
    const value = base(raw);
    if (value === NO) return NO;
    for (const check of checks) if (check.run(value, ast, {}) !== undefined) return NO;
    return value;
  };
}

function shape(ast: Node): (raw: unknown) => unknown {
  switch (ast._tag) {
    case 'String':
      return (raw) => (typeof raw === 'string' ? raw : NO);
    case 'Number':
      return (raw) => (typeof raw === 'number' ? raw : NO);
    case 'Boolean':
      return (raw) => (typeof raw === 'boolean' ? raw : NO);
    case 'Null':
      return (raw) => (raw === null ? raw : NO);
    case 'Unknown':
      return (raw) => raw;
    case 'Literal': {
      const literal = (ast as SchemaAST.Literal).literal;
      return (raw) => (raw === literal ? raw : NO);
    }
    case 'Union': {
      const members = (ast as SchemaAST.Union).types.filter((t) => t._tag !== 'Undefined').map((t) => node(t as Node));
      return (raw) => {
        for (const member of members) {
          const value = member(raw);
          if (value !== NO) return value;
        }
        return NO;
      };
    }
    case 'Arrays': {
      const arrays = ast as SchemaAST.Arrays;
      if (arrays.elements.length > 0 || arrays.rest.length !== 1) throw new Unsupported();
      const item = node(arrays.rest[0] as Node);
      return (raw) => {
        if (!Array.isArray(raw)) return NO;
        const out = new Array(raw.length);
        for (let i = 0; i < raw.length; i++) if ((out[i] = item(raw[i])) === NO) return NO;
        return out;
      };
    }
    case 'Objects': {
      const objects = ast as SchemaAST.Objects;
      if (objects.indexSignatures.length > 0) throw new Unsupported();
      const fields = objects.propertySignatures.map((p) => ({ name: p.name as string, optional: (p.type as Node).context?.isOptional === true, decode: node(p.type as Node) }));
      return (raw) => {
        if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return NO;
        const record = raw as Record<string, unknown>;
        // Only the fields the schema names: what it does not name, it strips.
        const out: Record<string, unknown> = {};
        for (const field of fields) {
          if (!Object.hasOwn(record, field.name)) {
            if (!field.optional) return NO;
            continue;
          }
          const value = field.decode(record[field.name]);
          if (value === NO) return NO;
          out[field.name] = value;
        }
        return out;
      };
    }
    default:
      throw new Unsupported();
  }
}
