import type * as wire from '#libs/wire';
import { wholeName } from './cursor.ts';
import { MAX_U32, WILDCARD, type EidPattern } from './eid-pattern.ts';
import { formatPattern } from './format-pattern.ts';
import { fail, ok, type Parsed } from './parsed.ts';

/**
 * The wire form of `ipn:**` (docs/spec-notes.md §7.6): the IpnPattern message has no field for a
 * wildcard allocator, and {allocator 0, wildcard} is already `ipn:0.*`, so the default route is
 * the one otherwise meaningless combination allocator 0, node 2^32-1, wildcard.
 */
export const WIRE_IPN_ANY = { allocator_id: 0, node_id: MAX_U32, is_wildcard: true } as const;

/**
 * The §7.6 message for a pattern. §7.6 is the same in draft -01 as in -00: IpnPattern names an
 * allocator and one node or all of them, DtnPattern a name without a path. So a pattern travels
 * when it takes every service (every path) of what it names; a node range, a specific service or
 * service range, and a specific path have no wire form and are refused: they live in local config
 * and policy only (docs/spec-notes.md, draft -01).
 */
export function patternToWire(pattern: EidPattern): Parsed<wire.EidPattern> {
  if (pattern.scheme === 'dtn') {
    if (pattern.path !== undefined) return fail(1, `${formatPattern(pattern)}: a path has no wire form (DtnPattern carries a name); advertise dtn://${pattern.authority}/**`);
    return ok({ dtn: { authority_string: pattern.authority, is_wildcard: pattern.wildcardAt >= 0 } });
  }
  if (pattern.allocator === '*') return ok({ ipn: WIRE_IPN_ANY });
  const { allocator, node, service } = pattern;
  if (service.kind !== 'wildcard') {
    return fail(1, `${formatPattern(pattern)}: a service has no wire form (IpnPattern carries allocator and node); advertise ipn:${allocator}.${node.kind === 'exact' ? node.value : '*'}.*`);
  }
  switch (node.kind) {
    case 'exact':
      return ok({ ipn: { allocator_id: allocator, node_id: node.value, is_wildcard: false } });
    case 'wildcard':
      return ok({ ipn: { allocator_id: allocator, node_id: 0, is_wildcard: true } });
    case 'range':
      return fail(1, `${formatPattern(pattern)}: a node range has no wire form; advertise ipn:${allocator}.*.* or single nodes`);
    default:
      return node satisfies never;
  }
}

/**
 * A received §7.6 message as a validated pattern: what it names, every service or path of it. On
 * a wildcard IpnPattern the node_id is ignored (senders should put 0), except for the `ipn:**`
 * marker; authority_string "*" is `dtn:**`. A DtnPattern's is_wildcard must
 * agree with its authority_string, which must itself satisfy §4.1.2 and §4.1.3.
 */
export function patternFromWire(message: wire.EidPattern__Output): Parsed<EidPattern> {
  const { ipn, dtn } = message;
  if (message.scheme === 'ipn' && ipn) {
    if (!ipn.is_wildcard) return ok({ scheme: 'ipn', allocator: ipn.allocator_id, node: { kind: 'exact', value: ipn.node_id }, service: WILDCARD });
    if (ipn.allocator_id === WIRE_IPN_ANY.allocator_id && ipn.node_id === WIRE_IPN_ANY.node_id) {
      return ok({ scheme: 'ipn', allocator: '*' });
    }
    return ok({ scheme: 'ipn', allocator: ipn.allocator_id, node: WILDCARD, service: WILDCARD });
  }
  if (message.scheme === 'dtn' && dtn) {
    const scanned = wholeName(dtn.authority_string, true, 'authority_string');
    if ('error' in scanned) return fail(scanned.error.column, scanned.error.reason);
    const authority = scanned.name;
    const wildcardAt = authority.indexOf('*');
    if (dtn.is_wildcard !== wildcardAt >= 0) {
      return fail(1, `is_wildcard is ${dtn.is_wildcard} but authority_string "${dtn.authority_string}" ${wildcardAt >= 0 ? 'has' : 'has no'} "*"`);
    }
    return ok({ scheme: 'dtn', authority, wildcardAt, path: undefined });
  }
  return fail(1, 'EidPattern holds neither an ipn nor a dtn pattern');
}
