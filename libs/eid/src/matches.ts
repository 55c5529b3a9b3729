import { isDtnAny, labelFits, splitDtnWildcard, splitName } from './dtn-wildcard.ts';
import type { Eid } from './eid.ts';
import type { DtnPattern, EidPattern, IpnNode } from './eid-pattern.ts';

/** Whether a concrete EID falls under a pattern. Patterns of one scheme never match the other. */
export function matches(pattern: EidPattern, eid: Eid): boolean {
  if (pattern.scheme === 'dtn') return eid.scheme === 'dtn' && nameMatches(pattern, eid.authority);
  if (eid.scheme !== 'ipn') return false;
  if (pattern.allocator === '*') return true;
  return pattern.allocator === eid.allocator && nodeMatches(pattern.node, eid.node);
}

function nodeMatches(node: IpnNode, n: number): boolean {
  switch (node.kind) {
    case 'exact':
      return node.node === n;
    case 'range':
      return node.min <= n && n <= node.max;
    case 'wildcard':
      return true;
    default:
      return node satisfies never;
  }
}

function nameMatches(pattern: DtnPattern, name: string): boolean {
  if (pattern.wildcardAt < 0) return pattern.authority === name;
  if (isDtnAny(pattern)) return true;
  const wildcard = splitDtnWildcard(pattern);
  const [label, domain] = splitName(name);
  return domain === wildcard.domain && labelFits(wildcard, label, 0, label.length);
}
