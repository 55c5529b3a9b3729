import { isDtnAny, labelFits, splitDtnWildcard, splitName } from './dtn-wildcard.ts';
import type { Eid } from './eid.ts';
import type { DtnPattern, EidPattern, IpnPart } from './eid-pattern.ts';

/** Whether a concrete EID falls under a pattern. Patterns of one scheme never match the other. */
export function matches(pattern: EidPattern, eid: Eid): boolean {
  if (pattern.scheme === 'dtn') {
    if (eid.scheme !== 'dtn') return false;
    return pattern.path === undefined ? nameMatches(pattern, eid.authority) : pattern.authority === eid.authority && pattern.path === eid.path;
  }
  if (eid.scheme !== 'ipn') return false;
  if (pattern.allocator === '*') return true;
  return pattern.allocator === eid.allocator && partMatches(pattern.node, eid.node) && partMatches(pattern.service, eid.service);
}

function partMatches(part: IpnPart, n: number): boolean {
  switch (part.kind) {
    case 'exact':
      return part.value === n;
    case 'range':
      return part.min <= n && n <= part.max;
    case 'wildcard':
      return true;
    default:
      return part satisfies never;
  }
}

function nameMatches(pattern: DtnPattern, name: string): boolean {
  if (pattern.wildcardAt < 0) return pattern.authority === name;
  if (isDtnAny(pattern)) return true;
  const wildcard = splitDtnWildcard(pattern);
  const [label, domain] = splitName(name);
  return domain === wildcard.domain && labelFits(wildcard, label, 0, label.length);
}
