import type { EidPattern, IpnNode } from './eid-pattern.ts';

/** §4.2: an exact pattern outranks every wildcard pattern, whatever their literal lengths. */
const EXACT_WEIGHT = 256;

/**
 * §4.2: Score = IsExact × 256 + LiteralLength. dtn: the characters of the name except the '*'
 * (§4.2.1). ipn: 32 bits for a specific allocator plus the node's bits, where a range of
 * Count nodes keeps 32 − ⌈log2 Count⌉ (§4.2.2). Ranges are not exact (Table 2).
 */
export function specificityScore(pattern: EidPattern): number {
  if (pattern.scheme === 'dtn') {
    return pattern.wildcardAt < 0 ? EXACT_WEIGHT + pattern.authority.length : pattern.authority.length - 1;
  }
  if (pattern.allocator === '*') return 0;
  const node = pattern.node;
  return (node.kind === 'exact' ? EXACT_WEIGHT : 0) + 32 + nodeBits(node);
}

function nodeBits(node: IpnNode): number {
  switch (node.kind) {
    case 'exact':
      return 32;
    case 'wildcard':
      return 0;
    case 'range':
      return 32 - ceilLog2(node.max - node.min + 1);
    default:
      return node satisfies never;
  }
}

/** ⌈log2 n⌉ for 1 ≤ n ≤ 2^32, exactly (no floating-point log). */
const ceilLog2 = (n: number): number => (n === 1 ? 0 : 32 - Math.clz32(n - 1));
