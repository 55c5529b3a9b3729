import { Cursor, isDigit } from './cursor.ts';
import { EMPTY_HASH, hashStep } from './name-hash.ts';
import type { Parsed } from './parsed.ts';

/**
 * A concrete endpoint ID, reduced to what DPP routes on: the ipn allocator and node, or the dtn
 * node name. Services and demux parts never take part in a routing decision.
 */
export type Eid =
  | { readonly scheme: 'ipn'; readonly allocator: number; readonly node: number }
  | { readonly scheme: 'dtn'; readonly authority: string };

/**
 * Parses a concrete EID. `ipn:A.N.S` is RFC 9758's three-component form; `ipn:A.N` is read in
 * the draft's own allocator.node notation (docs/spec-notes.md §4.1.1); `dtn://name/demux`
 * keeps the lower-cased name.
 */
export function parseEid(text: string): Parsed<Eid> {
  const c = new Cursor(text, 0);
  const scheme = scanEid(c);
  return c.result<Eid>(
    scheme === 'ipn' ? { scheme, allocator: c.allocator, node: c.node }
    : scheme === 'dtn' ? { scheme, authority: c.name() }
    : undefined,
  );
}

/**
 * The grammar of concrete EIDs, on a cursor at the start of the text: records the allocator and
 * node (ipn) or where the name stands (dtn) on the cursor, without building anything, so that
 * a FIB lookup can use it on every bundle.
 */
export function scanEid(c: Cursor): 'ipn' | 'dtn' | undefined {
  if (c.takeIgnoringCase('ipn:')) return scanIpnEid(c) ? 'ipn' : undefined;
  if (c.takeIgnoringCase('dtn:')) return scanDtnEid(c) ? 'dtn' : undefined;
  return c.fail('not an ipn or dtn EID: write ipn:A.N[.S] or dtn://name[/demux]', 0);
}

function scanIpnEid(c: Cursor): boolean {
  c.regionStart = c.at;
  c.hash = EMPTY_HASH;
  const allocator = c.scanU32('allocator');
  if (allocator === undefined) return concreteOnly(c);
  if (c.code() !== DOT) return c.refuse(`expected "." after the allocator, found ${c.found}`);
  c.hash = hashStep(c.hash, DOT);
  c.at++;
  const node = c.scanU32('node');
  if (node === undefined) return concreteOnly(c);
  c.regionEnd = c.at;
  if (c.code() === DOT) {
    c.at++;
    const service = c.at;
    while (isDigit(c.char())) c.at++;
    if (c.at === service) return c.refuse(`expected the service number, found ${c.found}`);
    // Only a number of 20 digits or more can pass 2^64-1: the rest skip the BigInt.
    if (c.at - service >= 20 && BigInt(c.text.slice(service, c.at)) > MAX_U64) return c.refuse('the service number is over 2^64-1', service);
  }
  if (!c.done) return c.refuse(`unexpected ${c.found} in an ipn EID`);
  c.allocator = allocator;
  c.node = node;
  return true;
}

/** A '*' where a number was expected gets its own message. */
const concreteOnly = (c: Cursor): false => (c.char() === '*' ? c.refuse('an EID is concrete: "*" belongs in patterns') : false);

const scanDtnEid = (c: Cursor): boolean => c.takeDtnSlashes() && c.scanAuthority(false);

const MAX_U64 = 2n ** 64n - 1n;
const DOT = 0x2e;
