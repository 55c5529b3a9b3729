import { Cursor, isDigit } from './cursor.ts';
import { fail, ok, type Parsed } from './parsed.ts';

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
  const colon = text.indexOf(':');
  const scheme = colon < 0 ? '' : text.slice(0, colon).toLowerCase();
  const c = new Cursor(text, colon + 1);
  if (scheme === 'ipn') return parseIpnEid(c);
  if (scheme === 'dtn') return parseDtnEid(c);
  return fail(1, 'not an ipn or dtn EID: write ipn:A.N[.S] or dtn://name[/demux]');
}

function parseIpnEid(c: Cursor): Parsed<Eid> {
  const allocator = c.scanU32('allocator');
  if (!allocator.ok) return c.char() === '*' ? c.fail('an EID is concrete: "*" belongs in patterns') : allocator;
  if (c.char() !== '.') return c.fail(`expected "." after the allocator, found ${c.found}`);
  c.at++;
  const node = c.scanU32('node');
  if (!node.ok) return c.char() === '*' ? c.fail('an EID is concrete: "*" belongs in patterns') : node;
  if (c.char() === '.') {
    c.at++;
    const service = c.at;
    while (isDigit(c.char())) c.at++;
    if (c.at === service) return c.fail(`expected the service number, found ${c.found}`);
    if (BigInt(c.text.slice(service, c.at)) > MAX_U64) return c.fail('the service number is over 2^64-1', service);
  }
  if (!c.done) return c.fail(`unexpected ${c.found} in an ipn EID`);
  return ok({ scheme: 'ipn', allocator: allocator.value, node: node.value });
}

function parseDtnEid(c: Cursor): Parsed<Eid> {
  if (!c.text.startsWith('//', c.at)) {
    if (c.rest.toLowerCase() === 'none') return c.fail('dtn:none is the null endpoint; nothing routes to it');
    return c.fail('expected "//" after "dtn:"');
  }
  c.at += 2;
  const name = c.scanAuthority(false);
  return name.ok ? ok({ scheme: 'dtn', authority: name.value.authority }) : name;
}

const MAX_U64 = 2n ** 64n - 1n;
