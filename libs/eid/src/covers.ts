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
  const [min, max] = nodeRange(inner);
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

/** Whether some EID matches both patterns: a route may take traffic an authorization is for (§9.3). */
export function overlaps(a: EidPattern, b: EidPattern): boolean {
  if (a.scheme === 'dtn' || b.scheme === 'dtn') return a.scheme === 'dtn' && b.scheme === 'dtn' && dtnOverlaps(a, b);
  if (a.allocator === '*' || b.allocator === '*') return true;
  if (a.allocator !== b.allocator) return false;
  const [x, y] = [nodeRange(a.node), nodeRange(b.node)];
  return x[0] <= y[1] && y[0] <= x[1];
}

const nodeRange = (node: IpnNode): readonly [number, number] => (node.kind === 'exact' ? [node.node, node.node] : node.kind === 'range' ? [node.min, node.max] : [0, Infinity]);

function dtnOverlaps(a: DtnPattern, b: DtnPattern): boolean {
  if (isDtnAny(a) || isDtnAny(b)) return true;
  if (a.wildcardAt < 0) return matches(b, { scheme: 'dtn', authority: a.authority });
  if (b.wildcardAt < 0) return matches(a, { scheme: 'dtn', authority: b.authority });
  // Two `<prefix>*<suffix>.<domain>`: a label fits both when one prefix extends the other, and one suffix the other.
  const [x, y] = [splitDtnWildcard(a), splitDtnWildcard(b)];
  const prefixes = x.labelPrefix.startsWith(y.labelPrefix) || y.labelPrefix.startsWith(x.labelPrefix);
  const suffixes = x.labelSuffix.endsWith(y.labelSuffix) || y.labelSuffix.endsWith(x.labelSuffix);
  return x.domain === y.domain && prefixes && suffixes;
}
