import { isDtnAny, splitDtnWildcard } from './dtn-wildcard.ts';
import type { DtnPattern, EidPattern, IpnAllocatorPattern, IpnPart } from './eid-pattern.ts';
import { matches } from './matches.ts';

/**
 * Whether every EID `inner` matches also matches `outer`: a route for `inner` lies inside a policy's
 * pattern set entry `outer` (and an origin is authorized for it, §9.3). A pattern covers itself.
 */
export function covers(outer: EidPattern, inner: EidPattern): boolean {
  if (outer.scheme === 'dtn') return inner.scheme === 'dtn' && dtnCovers(outer, inner);
  if (inner.scheme !== 'ipn') return false;
  if (outer.allocator === '*') return true;
  if (inner.allocator === '*' || inner.allocator !== outer.allocator) return false;
  // Under a node that is not exact every service is taken (§4.1.1), and a node range or wildcard inside it has every service too.
  return within(inner.node, outer.node) && (outer.node.kind !== 'exact' || within(inner.service, outer.service));
}

/** Whether the numbers of `inner` are all numbers of `outer`. */
function within(inner: IpnPart, outer: IpnPart): boolean {
  const [min, max] = bounds(inner);
  const [outerMin, outerMax] = bounds(outer);
  return outerMin <= min && max <= outerMax;
}

function dtnCovers(outer: DtnPattern, inner: DtnPattern): boolean {
  if (outer.path !== undefined) return inner.path === outer.path && inner.authority === outer.authority;
  if (isDtnAny(outer)) return true;
  if (inner.wildcardAt < 0) return matches(outer, { scheme: 'dtn', authority: inner.authority, path: '' });
  if (outer.wildcardAt < 0 || isDtnAny(inner)) return false;
  // Both `<prefix>*.<domain>`: the inner prefix must extend the outer's.
  const [o, i] = [splitDtnWildcard(outer), splitDtnWildcard(inner)];
  return o.domain === i.domain && i.labelPrefix.startsWith(o.labelPrefix);
}

/** Whether some EID matches both patterns: a route may take traffic an authorization is for (§9.3). */
export function overlaps(a: EidPattern, b: EidPattern): boolean {
  if (a.scheme === 'dtn' || b.scheme === 'dtn') return a.scheme === 'dtn' && b.scheme === 'dtn' && dtnOverlaps(a, b);
  if (a.allocator === '*' || b.allocator === '*') return true;
  return a.allocator === b.allocator && meet(a.node, b.node) && (!bothExactNodes(a, b) || meet(a.service, b.service));
}

const bothExactNodes = (a: IpnAllocatorPattern, b: IpnAllocatorPattern): boolean => a.node.kind === 'exact' && b.node.kind === 'exact';

function meet(a: IpnPart, b: IpnPart): boolean {
  const [x, y] = [bounds(a), bounds(b)];
  return x[0] <= y[1] && y[0] <= x[1];
}

const bounds = (part: IpnPart): readonly [number, number] =>
  part.kind === 'exact' ? [part.value, part.value] : part.kind === 'range' ? [part.min, part.max] : [0, Infinity];

function dtnOverlaps(a: DtnPattern, b: DtnPattern): boolean {
  if (a.path !== undefined && b.path !== undefined) return a.authority === b.authority && a.path === b.path;
  if (isDtnAny(a) || isDtnAny(b)) return true;
  if (a.wildcardAt < 0) return matches({ ...b, path: undefined }, { scheme: 'dtn', authority: a.authority, path: '' });
  if (b.wildcardAt < 0) return matches({ ...a, path: undefined }, { scheme: 'dtn', authority: b.authority, path: '' });
  // Two `<prefix>*.<domain>`: a label fits both when one prefix extends the other.
  const [x, y] = [splitDtnWildcard(a), splitDtnWildcard(b)];
  return x.domain === y.domain && (x.labelPrefix.startsWith(y.labelPrefix) || y.labelPrefix.startsWith(x.labelPrefix));
}
