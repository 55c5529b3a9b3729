import { parseEid } from '#libs/eid';

/**
 * A contact as ION and HDTN plan them: a link from one node to another during [start, end), at a
 * rate. Node numbers are ipn nodes of the default allocator (0): ION and HDTN have no other
 * (docs/spec-notes.md, contact plans).
 */
export interface Contact {
  readonly from: number;
  readonly to: number;
  /** ms since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly rateBitsPerSec: number;
}

/** The node number of an EID of the default allocator (`ipn:0.N`, or RFC 9758's `ipn:0.N.S`), or undefined. */
export function nodeOf(eid: string): number | undefined {
  const parsed = parseEid(eid);
  return parsed.ok && parsed.value.scheme === 'ipn' && parsed.value.allocator === 0 ? parsed.value.node : undefined;
}

/** The EID and pattern a node number stands for. */
export const nodeEid = (node: number): string => `ipn:0.${node}`;
