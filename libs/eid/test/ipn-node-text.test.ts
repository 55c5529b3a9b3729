import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatPattern, isIpnNodeText, parsePattern } from '#libs/eid';
import { anyPattern } from '../../../test/harness/arbitraries.ts';

/** The reference: the text parses to an exact node with every service, and is that pattern's canonical text. */
const reference = (text: string): boolean => {
  const parsed = parsePattern(text);
  return parsed.ok && parsed.value.scheme === 'ipn' && parsed.value.allocator !== '*' && parsed.value.node.kind === 'exact' && parsed.value.service.kind === 'wildcard' && formatPattern(parsed.value) === text;
};

describe('isIpnNodeText', () => {
  it.each([
    ['ipn:100.1.*', true],
    ['ipn:0.0.*', true],
    ['ipn:4294967295.4294967295.*', true],
    ['ipn:4294967296.1.*', false],
    ['ipn:1.4294967296.*', false],
    ['ipn:01.1.*', false],
    ['ipn:1.01.*', false],
    ['ipn:100.1', false],
    ['ipn:100.1.5', false],
    ['ipn:100.*.*', false],
    ['ipn:100.[1-2].*', false],
    ['ipn:1..*', false],
    ['ipn:.1.*', false],
    ['ipn:1.2.3.*', false],
    ['IPN:100.1.*', false],
    ['dtn://a.b/**', false],
  ])('%s: %s', (text, expected) => {
    expect(isIpnNodeText(text)).toBe(expected);
    expect(reference(text)).toBe(expected);
  });

  it('agrees with parse and format on every pattern text and on near misses', () => {
    const nearMiss = fc.array(fc.constantFrom('ipn:', 'dtn://', '0', '1', '9', '00', '4294967296', '.', '*', '[1-2]', 'a'), { maxLength: 8 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(anyPattern.map(formatPattern), nearMiss), (text) => {
        expect(isIpnNodeText(text)).toBe(reference(text));
      }),
      { numRuns: 5000 },
    );
  });
});
