import fc from 'fast-check';
import { Result } from 'effect';
import { describe, expect, it } from 'vitest';
import { decodeTableLines, encodeTableLines, keyOf, type TableDelta } from '#libs/tables';

const values = ['{"v":2,"nextHop":"ipn:0.5"}', '{"v":2,"nextHop":"dtn://b.org/"}', undefined];
/** Keys as keyOf makes them: pattern text (printable ASCII, no space), with or without a window start. */
const keys = fc.tuple(fc.stringMatching(/^[!-~]{1,6}$/), fc.option(fc.integer(), { nil: undefined })).map(([pattern, from]) => keyOf(pattern, from));
const deltas = fc.array(fc.record({ key: keys, value: fc.constantFrom(...values) }), { maxLength: 40 });

describe('table messages (table-stream.ts)', () => {
  it('read back as written, a value repeated from the put before it written as the key alone and a tab', () => {
    fc.assert(
      fc.property(deltas, (written: TableDelta[]) => {
        const text = encodeTableLines(written);
        expect(decodeTableLines(text)).toEqual(Result.succeed(written));
        const puts = written.filter((d) => d.value !== undefined);
        const repeats = puts.filter((d, i) => i > 0 && d.value === puts[i - 1]!.value).length;
        expect(text.split('\n').filter((line) => line.endsWith('\t'))).toHaveLength(repeats);
      }),
    );
  });

  it('gives a repeated value as the very string it repeats, so a reader decodes it once', () => {
    const [first, second] = Result.getOrThrow(decodeTableLines(encodeTableLines([{ key: 'p.a', value: values[0] }, { key: 'p.b', value: values[0] }])));
    expect(second!.value).toBe(first!.value);
    expect(encodeTableLines([{ key: 'p.a', value: values[0] }, { key: 'p.b', value: values[0] }])).toBe(`dpp-table 2\np.a\t${values[0]}\np.b\t`);
  });

  it('reads messages of version 1, and refuses a repeat with no put before it, a line that is no key, another version', () => {
    expect(decodeTableLines(`dpp-table 1\np.a\t${values[0]}\np.b`)).toEqual(Result.succeed([{ key: 'p.a', value: values[0] }, { key: 'p.b', value: undefined }]));
    expect(decodeTableLines('dpp-table 2\np.a\np.b\t')).toEqual(Result.fail('line 2: repeats the value of a put line before it, and there is none'));
    // Version 1 had no repeats: a tab and nothing after it was an empty value.
    expect(decodeTableLines('dpp-table 1\np.a\t{}\np.b\t')).toEqual(Result.succeed([{ key: 'p.a', value: '{}' }, { key: 'p.b', value: '' }]));
    expect(() => encodeTableLines([{ key: 'p.a', value: '' }])).toThrow(/never empty/);
    expect(Result.isFailure(decodeTableLines('dpp-table 2\nipn:1.*.*  5\t{}'))).toBe(true);
    expect(Result.isFailure(decodeTableLines('dpp-table 2\n\t{}'))).toBe(true);
    expect(Result.isFailure(decodeTableLines('dpp-table 3\np.a\t{}'))).toBe(true);
  });
});
