import { describe, expect, it } from 'vitest';
import { formatPattern, parsePattern, specificityScore } from '#libs/eid';

/** [input, canonical text, §4.2 score] */
type Valid = readonly [string, string, number];
/** [input, column, a phrase the error must contain] */
type Invalid = readonly [string, number, string];

const draftValid: Valid[] = [
  // §4.1.1
  ['ipn:100.1', 'ipn:100.1', 320],
  ['ipn:100.*', 'ipn:100.*', 32],
  // §4.1.2
  ['dtn://rover1.example.org', 'dtn://rover1.example.org', 274],
  ['dtn://*.example.org', 'dtn://*.example.org', 12],
  ['dtn://rover*.example.org', 'dtn://rover*.example.org', 17],
  // §4.2.2 Table 2
  ['ipn:100.[10-13]', 'ipn:100.[10-13]', 62],
  ['ipn:*', 'ipn:*', 0],
];

const draftInvalid: Invalid[] = [
  ['ipn:*.1', 7, 'specific node cannot sit under a wildcard allocator (§4.1.1)'],
  ['ipn:[100-200].1', 5, 'range is allowed only in the node number'],
  ['dtn://rover1.*.example.org', 14, 'only in the left-most label (§4.1.2)'],
  ['dtn://r*v*r.example.org', 10, 'at most one wildcard (§4.1.3)'],
];

const label63 = 'a'.repeat(63);
const name253 = `${label63}.${label63}.${label63}.${'b'.repeat(61)}`;

const furtherValid: Valid[] = [
  ['ipn:0.0', 'ipn:0.0', 320],
  ['ipn:4294967295.4294967295', 'ipn:4294967295.4294967295', 320],
  ['ipn:0.*', 'ipn:0.*', 32],
  ['IPN:100.1', 'ipn:100.1', 320],
  ['ipn:100.[0-1]', 'ipn:100.[0-1]', 63],
  ['ipn:100.[0-2]', 'ipn:100.[0-2]', 62],
  ['ipn:100.[0-255]', 'ipn:100.[0-255]', 56],
  ['ipn:100.[0-256]', 'ipn:100.[0-256]', 55],
  ['ipn:100.[1-4294967295]', 'ipn:100.[1-4294967295]', 32],
  // The same set of EIDs always prints, and scores, the same way.
  ['ipn:100.[7-7]', 'ipn:100.7', 320],
  ['ipn:100.[0-4294967295]', 'ipn:100.*', 32],
  ['dtn://a', 'dtn://a', 257],
  ['dtn://*', 'dtn://*', 0],
  ['dtn://rover*', 'dtn://rover*', 5],
  ['dtn://*rover.example.org', 'dtn://*rover.example.org', 17],
  ['dtn://ro*ver.example.org', 'dtn://ro*ver.example.org', 17],
  ['dtn://*.org', 'dtn://*.org', 4],
  ['DTN://Rover1.Example.ORG', 'dtn://rover1.example.org', 274],
  ['dtn://rover1.example.org/', 'dtn://rover1.example.org', 274],
  ['dtn://node_1.ground-station.example', 'dtn://node_1.ground-station.example', 256 + 29],
  [`dtn://${label63}.org`, `dtn://${label63}.org`, 256 + 67],
  [`dtn://${name253}`, `dtn://${name253}`, 256 + 253],
  [`dtn://*${'c'.repeat(62)}.${name253.slice(64)}`, `dtn://*${'c'.repeat(62)}.${name253.slice(64)}`, 252],
];

const furtherInvalid: Invalid[] = [
  ['', 1, 'empty pattern'],
  ['ipn', 1, 'no scheme'],
  [':100.1', 1, 'empty scheme'],
  ['foo:1.2', 1, 'unknown scheme "foo"'],
  ['*:**', 1, 'names one'],
  ['ipn:', 5, 'expected the allocator (a decimal number), found the end'],
  ['ipn:100', 8, 'missing node'],
  ['ipn:100.', 9, 'expected the node (a decimal number), found the end'],
  ['ipn:100.1.2', 10, 'a third component'],
  ['ipn:*.*', 7, 'at most one wildcard (§4.1.3)'],
  ['ipn:**', 6, 'default route is ipn:*'],
  ['ipn:100.1*', 10, 'replaces a whole number'],
  ['ipn:100.*1', 9, 'replaces a whole number'],
  ['ipn:1*.1', 6, 'replaces a whole number'],
  ['ipn:4294967296.1', 5, 'over 2^32-1'],
  ['ipn:1.4294967296', 7, 'over 2^32-1'],
  ['ipn:007.1', 5, 'leading zero; write 7'],
  ['ipn:100.[13-10]', 9, 'minimum above its maximum'],
  ['ipn:100.[10-13', 15, 'expected "]"'],
  ['ipn:100.[10-13,20-30]', 15, 'one interval per range'],
  ['ipn:100.[10]', 12, 'expected "-"'],
  ['ipn:100.[-5]', 10, 'expected the range minimum'],
  ['ipn:100.[1-4294967296]', 12, 'over 2^32-1'],
  ['ipn:-1.1', 5, 'expected the allocator'],
  ['ipn:100.1 ', 10, 'unexpected " "'],
  ['ipn:[100-200].*', 5, 'range is allowed only in the node number'],
  ['ipn:100,1', 8, 'expected "." after the allocator'],
  ['dtn:none', 5, 'null endpoint'],
  ['dtn:rover1.example.org', 5, 'expected "//"'],
  ['dtn://', 7, 'expected a node name'],
  ['dtn://rover1..example.org', 14, 'empty label'],
  ['dtn://rover1.example.org.', 25, 'trailing "."'],
  ['dtn://.example.org', 7, 'empty label'],
  ['dtn://rover1.example.org/svc', 25, 'names a node, not a service: remove "/svc"'],
  ['dtn://rover1.example.*', 22, 'only in the left-most label'],
  ['dtn://*.*', 9, 'at most one wildcard'],
  ['dtn://**.example.org', 8, 'at most one wildcard'],
  ['dtn://rover 1.example.org', 12, '" " is not allowed'],
  ['dtn://rover1.example.org:4556', 25, '":" is not allowed'],
  ['dtn://rövër.example.org', 8, '"ö" is not allowed'],
  [`dtn://${'a'.repeat(64)}.org`, 7, 'longer than 63'],
  [`dtn://x.${name253}`, 7, 'node name of 255 characters is over the 253 allowed'],
];

const cases = (valid: Valid[]) => valid.map(([input, text, score]) => ({ input, text, score }));
const failures = (invalid: Invalid[]) => invalid.map(([input, column, phrase]) => ({ input, column, phrase }));

describe('parsePattern', () => {
  it.each(cases([...draftValid, ...furtherValid]))('accepts $input as $text, score $score', ({ input, text, score }) => {
    const parsed = parsePattern(input);
    if (!parsed.ok) expect.fail(parsed.error.message);
    expect(formatPattern(parsed.value)).toBe(text);
    expect(specificityScore(parsed.value)).toBe(score);
    // The canonical text is a fixed point.
    expect(parsePattern(text)).toEqual(parsed);
  });

  it.each(failures([...draftInvalid, ...furtherInvalid]))('rejects $input at column $column', ({ input, column, phrase }) => {
    const parsed = parsePattern(input);
    if (parsed.ok) expect.fail(`accepted as ${formatPattern(parsed.value)}`);
    expect(parsed.error.reason).toContain(phrase);
    expect(parsed.error.column).toBe(column);
    expect(parsed.error.message).toBe(`column ${column}: ${parsed.error.reason}`);
  });
});
