import fc from 'fast-check';
import { Schema, type SchemaAST } from 'effect';
import { describe, expect, it } from 'vitest';
import { FibEntryV1, FibEntryV2 } from '../../fib-export/src/fib-entry.ts';
import { ExportedRouteV1 } from '../src/adj-rib-out.ts';
import { compile } from '../src/fast-decode.ts';
import { LoggedEventV1 } from '../src/peer-event.ts';
import { LocRibChangesV1, LocRibChangesV2, LocRibChangesV3, RibInputV1 } from '../src/rib-log.ts';
import { SpeakerHeartbeatV1 } from '../src/speaker-heartbeat.ts';

type Node = SchemaAST.AST & { readonly context?: { readonly isOptional?: boolean } };

/**
 * JSON values shaped by a schema's AST: `clean` ones follow it (numbers are integers, so they pass
 * Int and Finite alike); the others stray from it anywhere (any JSON value in place of a node, keys
 * the schema does not name, numbers that fail its checks), as a corrupt or foreign event would.
 */
function valuesOf(ast: Node, clean: boolean): fc.Arbitrary<unknown> {
  const shaped = ((): fc.Arbitrary<unknown> => {
    switch (ast._tag) {
      case 'String':
        return fc.string({ maxLength: 8 });
      case 'Number':
        return clean ? fc.oneof(fc.integer(), fc.maxSafeInteger()) : fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }));
      case 'Boolean':
        return fc.boolean();
      case 'Null':
        return fc.constant(null);
      case 'Unknown':
        return fc.jsonValue();
      case 'Literal':
        return fc.constant((ast as SchemaAST.Literal).literal);
      case 'Union':
        return fc.oneof(...(ast as SchemaAST.Union).types.filter((t) => t._tag !== 'Undefined').map((t) => valuesOf(t as Node, clean)));
      case 'Arrays':
        return fc.array(valuesOf((ast as SchemaAST.Arrays).rest[0] as Node, clean), { maxLength: 3 });
      case 'Objects': {
        const fields = (ast as SchemaAST.Objects).propertySignatures.map((p) => ({ name: p.name as string, optional: (p.type as Node).context?.isOptional === true, value: valuesOf(p.type as Node, clean) }));
        const record = fc.record(Object.fromEntries(fields.map((f) => [f.name, f.value])), { requiredKeys: fields.filter((f) => !f.optional).map((f) => f.name) });
        return clean ? record : fc.tuple(record, fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue(), { maxKeys: 1 })).map(([r, extra]) => ({ ...extra, ...r }));
      }
      default:
        throw new Error(`no values for ${ast._tag}`);
    }
  })();
  return clean ? shaped : fc.oneof({ weight: 12, arbitrary: shaped }, { weight: 1, arbitrary: fc.jsonValue() });
}

const SCHEMAS = { RibInputV1, LocRibChangesV1, LocRibChangesV2, LocRibChangesV3, FibEntryV1, FibEntryV2, ExportedRouteV1, LoggedEventV1, SpeakerHeartbeatV1 };

describe('the compiled decoders of the data path (fast-decode.ts)', () => {
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    const fast = compile(schema as unknown as { ast: SchemaAST.AST })!;
    const bySchema = (raw: unknown) => Schema.decodeUnknownResult(schema as never)(raw);
    // Through JSON, as every event arrives.
    const asRead = (value: unknown) => JSON.parse(JSON.stringify(value)) as unknown;

    it(`${name}: accepts only what the schema accepts, and answers what the schema's decode does`, () => {
      expect(fast).toBeDefined();
      fc.assert(
        fc.property(valuesOf(schema.ast as Node, false).map(asRead), (raw) => {
          const quick = fast(raw);
          if (quick === undefined) return;
          const decoded = bySchema(raw);
          expect(decoded._tag).toBe('Success');
          expect(JSON.stringify(quick.value)).toBe(JSON.stringify((decoded as { success: unknown }).success));
        }),
        { numRuns: 3_000 },
      );
    });

    it(`${name}: decodes every value that follows the schema itself, leaving the schema none`, () => {
      fc.assert(
        fc.property(valuesOf(schema.ast as Node, true).map(asRead), (raw) => {
          if (bySchema(raw)._tag !== 'Success') return;
          expect(fast(raw)).toBeDefined();
        }),
        { numRuns: 1_000 },
      );
    });
  }

  it('leaves a schema with a transformation to the schema', () => {
    expect(compile(Schema.Struct({ n: Schema.NumberFromString }) as unknown as { ast: SchemaAST.AST })).toBeUndefined();
  });
});
