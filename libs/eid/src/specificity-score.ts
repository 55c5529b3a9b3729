import type { EidPattern, IpnPart } from './eid-pattern.ts';

/** §4.2: an exact pattern outranks every wildcard pattern, whatever their literal lengths. */
const EXACT_WEIGHT = 256;
const NUMBER_BITS = 32;

/**
 * §4.2 of draft -01: Score = IsExact × 256 + LiteralLength. dtn: the characters of the name and
 * the path except the wildcards, where a path counts its '/' (docs/spec-notes.md, draft -01: the
 * '/' of `/**` counts too). ipn: 32 bits for each specific number of allocator, node and
 * service, where a range of Count numbers keeps 32 − ⌈log2 Count⌉ (§4.2.2). Only a pattern
 * without wildcard or range is exact.
 */
export function specificityScore(pattern: EidPattern): number {
  if (pattern.scheme === 'dtn') {
    const { authority, wildcardAt, path } = pattern;
    if (path !== undefined) return EXACT_WEIGHT + authority.length + path.length;
    if (wildcardAt === 0 && authority.length === 1) return 0;
    return authority.length + (wildcardAt >= 0 ? -1 : 0) + '/'.length;
  }
  if (pattern.allocator === '*') return 0;
  const { node, service } = pattern;
  const exact = node.kind === 'exact' && service.kind === 'exact';
  return (exact ? EXACT_WEIGHT : 0) + NUMBER_BITS + bits(node) + bits(service);
}

function bits(part: IpnPart): number {
  switch (part.kind) {
    case 'exact':
      return NUMBER_BITS;
    case 'wildcard':
      return 0;
    case 'range':
      return NUMBER_BITS - ceilLog2(part.max - part.min + 1);
    default:
      return part satisfies never;
  }
}

/** ⌈log2 n⌉ for 1 ≤ n ≤ 2^32, exactly (no floating-point log). */
const ceilLog2 = (n: number): number => (n === 1 ? 0 : 32 - Math.clz32(n - 1));

/**
 * The score draft -00 gave a pattern it could write (§4.2 of -00: allocator and node bits, an exact
 * node 256 more; a dtn name its length, 256 more when exact), or undefined for one it could not
 * (a service or a path). For `dpp pattern`, beside the -01 score.
 */
export function specificityScore00(pattern: EidPattern): number | undefined {
  if (pattern.scheme === 'dtn') {
    if (pattern.path !== undefined) return undefined;
    return pattern.wildcardAt < 0 ? EXACT_WEIGHT + pattern.authority.length : pattern.authority.length - 1;
  }
  if (pattern.allocator === '*') return 0;
  if (pattern.service.kind !== 'wildcard') return undefined;
  return (pattern.node.kind === 'exact' ? EXACT_WEIGHT : 0) + NUMBER_BITS + bits(pattern.node);
}
