import { Cursor } from './cursor.ts';
import { EMPTY_HASH, hashStep } from './name-hash.ts';
import type { Parsed } from './parsed.ts';

/**
 * A concrete endpoint ID as DPP routes on it (§4.1 of draft -01): the ipn allocator, node and
 * service, or the dtn node name and the path after it ('' when there is none).
 */
export type Eid =
  | { readonly scheme: 'ipn'; readonly allocator: number; readonly node: number; readonly service: number }
  | { readonly scheme: 'dtn'; readonly authority: string; readonly path: string };

/**
 * Parses a concrete EID. `ipn:A.N.S` is RFC 9758's three-component form; `ipn:N.S` its
 * two-component form, node N and service S of the default allocator 0 (docs/spec-notes.md
 * §4.1.1); `dtn://name/path` keeps the lower-cased name and the path as written.
 */
export function parseEid(text: string): Parsed<Eid> {
  const c = new Cursor(text, 0);
  const scheme = scanEid(c);
  return c.result<Eid>(
    scheme === 'ipn' ? { scheme, allocator: c.allocator, node: c.node, service: c.service }
    : scheme === 'dtn' ? { scheme, authority: c.name(), path: text.slice(c.regionEnd) }
    : undefined,
  );
}

/**
 * The grammar of concrete EIDs, on a cursor at the start of the text: records the allocator, node
 * and service (ipn) or where the name stands (dtn) on the cursor, without building anything, so
 * that a FIB lookup can use it on every bundle. For a three-part ipn EID the cursor's region is
 * its `A.N`; a two-part one sets `twoPart` instead, its text holding no `A.N` to probe with.
 */
export function scanEid(c: Cursor): 'ipn' | 'dtn' | undefined {
  if (c.takeIgnoringCase('ipn:')) return scanIpnEid(c) ? 'ipn' : undefined;
  if (c.takeIgnoringCase('dtn:')) return scanDtnEid(c) ? 'dtn' : undefined;
  return c.fail('not an ipn or dtn EID: write ipn:A.N.S, ipn:N.S or dtn://name/path', 0);
}

function scanIpnEid(c: Cursor): boolean {
  c.regionStart = c.at;
  c.hash = EMPTY_HASH;
  const first = c.scanU32('allocator or node');
  if (first === undefined) return concreteOnly(c);
  if (c.code() !== DOT) return c.refuse(`expected "." after ${first}, found ${c.found}`);
  c.hash = hashStep(c.hash, DOT);
  c.at++;
  const secondAt = c.at;
  const second = c.scanDecimal('node or service', 64);
  if (second === undefined) return concreteOnly(c);
  c.regionEnd = c.at;
  const nodeHash = c.hash;
  if (c.code() !== DOT) {
    if (!c.done) return c.refuse(`unexpected ${c.found} in an ipn EID`);
    // RFC 9758's two-part form: node.service of allocator 0. A service may pass 2^32-1, a node not.
    return record(c, 0, first, second, true);
  }
  if (second > 0xffff_ffff) return c.refuse(`the node ${c.text.slice(secondAt, c.regionEnd)} is over 2^32-1 (4294967295)`, secondAt);
  c.at++;
  const service = c.scanDecimal('service', 64);
  if (service === undefined) return concreteOnly(c);
  if (!c.done) return c.refuse(`unexpected ${c.found} in an ipn EID`);
  // The hash is the node table's, of `A.N`.
  c.hash = nodeHash;
  return record(c, first, second, service, false);
}

function record(c: Cursor, allocator: number, node: number, service: number, twoPart: boolean): true {
  c.allocator = allocator;
  c.node = node;
  c.service = service;
  c.twoPart = twoPart;
  return true;
}

/** A '*' where a number was expected gets its own message. */
const concreteOnly = (c: Cursor): false => (c.char() === '*' ? c.refuse('an EID is concrete: "*" belongs in patterns') : false);

const scanDtnEid = (c: Cursor): boolean => c.takeDtnSlashes() && c.scanAuthority(false);

const DOT = 0x2e;
