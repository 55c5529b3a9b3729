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

/** The node number of an EID of the default allocator (RFC 9758's `ipn:N.S` or `ipn:0.N.S`), or undefined; node 0 is the null endpoint, no node. */
export function nodeOf(eid: string): number | undefined {
  const parsed = parseEid(eid);
  return parsed.ok && parsed.value.scheme === 'ipn' && parsed.value.allocator === 0 && parsed.value.node !== 0 ? parsed.value.node : undefined;
}

/** The EID of a node of the default allocator: its administrative endpoint, RFC 9758's `ipn:N.0`. */
export const nodeEid = (node: number): string => `ipn:${node}.0`;

/** The pattern of every endpoint of a node of the default allocator. */
export const nodePattern = (node: number): string => `ipn:0.${node}.*`;
