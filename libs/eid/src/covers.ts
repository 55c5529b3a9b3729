import { isDtnAny, splitDtnWildcard } from './dtn-wildcard.ts';
import type { DtnPattern, EidPattern, IpnNode } from './eid-pattern.ts';
import { matches } from './matches.ts';

/**
 * Whether every EID `inner` matches also matches `outer`: a route for `inner` lies inside a policy's
 * pattern set entry `outer` (and an origin is authorized for it, §9.3). A pattern covers itself.
 */
export function covers(outer: EidPattern, inner: EidPattern): boolean {
  if (outer.scheme === 'dtn') return inner.scheme === 'dtn' && dtnCovers(outer, inner);
  if (inner.scheme !== 'ipn') return false;
  if (outer.allocator === '*') return true;
  return inner.allocator === outer.allocator && nodeCovers(outer.node, inner.node);
}

function nodeCovers(outer: IpnNode, inner: IpnNode): boolean {
  const [min, max] = inner.kind === 'exact' ? [inner.node, inner.node] : inner.kind === 'range' ? [inner.min, inner.max] : [0, Infinity];
  switch (outer.kind) {
    case 'wildcard':
      return true;
    case 'range':
      return outer.min <= min && max <= outer.max;
    case 'exact':
      return min === outer.node && max === outer.node;
    default:
      return outer satisfies never;
  }
}

function dtnCovers(outer: DtnPattern, inner: DtnPattern): boolean {
  if (isDtnAny(outer)) return true;
  if (inner.wildcardAt < 0) return matches(outer, { scheme: 'dtn', authority: inner.authority });
  if (outer.wildcardAt < 0 || isDtnAny(inner)) return false;
  // Both `<prefix>*<suffix>.<domain>`: the inner label's fixed parts must extend the outer's.
  const [o, i] = [splitDtnWildcard(outer), splitDtnWildcard(inner)];
  return o.domain === i.domain && i.labelPrefix.startsWith(o.labelPrefix) && i.labelSuffix.endsWith(o.labelSuffix);
}
