import { Cursor, isDigit } from './cursor.ts';
import { DTN_ANY_AUTHORITY, MAX_U32, WILDCARD, type EidPattern, type IpnPart } from './eid-pattern.ts';
import { fail, type Parsed } from './parsed.ts';

/**
 * Parses the text form of an EID pattern (§4.1 of draft -01) and returns it in canonical form, or
 * says what is wrong and at which column. Accepted: `ipn:A.N.S`, `ipn:A.N.*`, `ipn:A.N.[min-max]`,
 * `ipn:A.*.*`, `ipn:A.[min-max].*`, `ipn:**`; `dtn://name/path`, `dtn://name/**`,
 * `dtn://*.domain/**`, `dtn://prefix*.domain/**`, `dtn:**`. The forms of draft -00 still read, with
 * their -00 meaning (docs/spec-notes.md, draft -01): `ipn:A.N`, `ipn:A.*`, `ipn:A.[min-max]`
 * (allocator.node, every service), `ipn:*`, `dtn://name` and `dtn://name/` (the node, every path),
 * `dtn://*`.
 */
export function parsePattern(text: string): Parsed<EidPattern> {
  if (text === '') return fail(1, 'empty pattern: write ipn:... or dtn://...');
  const colon = text.indexOf(':');
  if (colon < 0) return fail(1, 'no scheme: a pattern starts with "ipn:" or "dtn://"');
  const scheme = text.slice(0, colon).toLowerCase();
  const cursor = new Cursor(text, colon + 1);
  switch (scheme) {
    case 'ipn':
      return cursor.result(parseIpn(cursor));
    case 'dtn':
      return cursor.result(parseDtn(cursor));
    case '':
      return fail(1, 'empty scheme: a pattern starts with "ipn:" or "dtn://"');
    case '*':
      return fail(1, '"*:" would match every scheme; a DPP pattern names one: ipn:** or dtn:**');
    default:
      return fail(1, `unknown scheme "${scheme}": DPP routes the ipn and dtn schemes`);
  }
}

function parseIpn(c: Cursor): EidPattern | undefined {
  if (c.char() === '*') return parseIpnAny(c);
  if (c.char() === '[') return c.fail('a range of allocators: DPP ranges node and service numbers under a named allocator (docs/spec-notes.md §4.1.1)');
  const allocator = c.scanU32('allocator');
  if (allocator === undefined) return undefined;
  if (c.char() === '*') return c.fail('a wildcard replaces a whole number, not part of one');
  if (c.done) return c.fail('missing node: write ipn:A.N.S, ipn:A.N.*, ipn:A.*.* or ipn:A.[min-max].*');
  if (c.char() !== '.') return c.fail(`expected "." after the allocator, found ${c.found}`);
  c.at++;
  const node = parsePart(c, 'node');
  if (node === undefined) return undefined;
  // Draft -00's allocator.node: every service of the node(s).
  if (c.done) return { scheme: 'ipn', allocator, node, service: WILDCARD };
  if (c.char() !== '.') return c.fail(`unexpected ${c.found} after the node`);
  c.at++;
  const serviceAt = c.at;
  const service = parsePart(c, 'service');
  if (service === undefined) return undefined;
  if (node.kind !== 'exact' && service.kind !== 'wildcard') {
    return c.fail(`a specific service cannot sit under a ${node.kind === 'range' ? 'node range' : 'wildcard node'} (§4.1.1): write .* for the service`, serviceAt);
  }
  if (c.char() === '.') return c.fail('a fourth component: ipn patterns are allocator.node.service (§4.1.1)');
  if (!c.done) return c.fail(`unexpected ${c.found} after the service`);
  return { scheme: 'ipn', allocator, node, service };
}

/** `ipn:**`, `ipn:*.*.*` and draft -00's `ipn:*`; anything else under a wildcard allocator breaks §4.1.1. */
function parseIpnAny(c: Cursor): EidPattern | undefined {
  const start = c.at;
  const rest = c.rest;
  if (rest === '*' || rest === '**' || rest === '*.*.*') {
    c.at = c.text.length;
    return { scheme: 'ipn', allocator: '*' };
  }
  if (rest === '*.*') return c.fail('ipn:*.* is ambiguous (draft -00 refused it; RFC 9758 reads it as allocator 0): write ipn:** for every ipn EID, or ipn:0.*.*', start);
  c.at++;
  if (c.char() !== '.') return c.fail(`unexpected ${c.found} after the wildcard allocator; the ipn default route is ipn:**`);
  return c.fail('a specific node or service cannot sit under a wildcard allocator (§4.1.1); name the allocator, or use ipn:**', start + 2);
}

/**
 * A node or service: a number, `*` or `[min-max]`. A range that names one number is that number,
 * and one that names them all is the wildcard: the same set of EIDs always gets the same
 * canonical form and score.
 */
function parsePart(c: Cursor, what: 'node' | 'service'): IpnPart | undefined {
  if (c.char() === '*') {
    c.at++;
    if (isDigit(c.char())) return c.fail('a wildcard replaces a whole number, not part of one', c.at - 1);
    if (c.char() === '*') return c.fail('"**" stands only for a whole scheme (ipn:**); write ipn:A.*.* for every node of an allocator', c.at - 1);
    return WILDCARD;
  }
  if (c.char() === '[') return parseRange(c, what);
  const value = c.scanU32(what);
  if (value === undefined) return undefined;
  if (c.char() === '*') return c.fail('a wildcard replaces a whole number, not part of one');
  return { kind: 'exact', value };
}

function parseRange(c: Cursor, what: 'node' | 'service'): IpnPart | undefined {
  const open = c.at++;
  const min = c.scanU32(`${what} range minimum`);
  if (min === undefined) return undefined;
  if (c.char() !== '-') return c.fail(`expected "-" between the range bounds, found ${c.found}`);
  c.at++;
  const max = c.scanU32(`${what} range maximum`);
  if (max === undefined) return undefined;
  if (c.char() === ',') return c.fail('one interval per range: DPP ranges are [min-max]');
  if (c.char() !== ']') return c.fail(`expected "]" to close the range, found ${c.found}`);
  c.at++;
  if (min > max) return c.fail(`range [${min}-${max}] has its minimum above its maximum`, open);
  if (min === max) return { kind: 'exact', value: min };
  if (min === 0 && max === MAX_U32) return WILDCARD;
  return { kind: 'range', min, max };
}

function parseDtn(c: Cursor): EidPattern | undefined {
  if (c.rest === '**') {
    c.at = c.text.length;
    return dtnAny;
  }
  if (!c.takeDtnSlashes() || !c.scanAuthority(true)) return undefined;
  const authority = c.name();
  const wildcardAt = authority.indexOf('*');
  if (authority === DTN_ANY_AUTHORITY && (c.done || c.rest === '/**')) {
    c.at = c.text.length;
    return dtnAny;
  }
  // Draft -00's node forms (dtn://node, dtn://node/) and -01's dtn://node/**: every path of the node(s).
  if (c.done || c.rest === '/' || c.rest === '/**') {
    c.at = c.text.length;
    return { scheme: 'dtn', authority, wildcardAt, path: undefined };
  }
  if (wildcardAt >= 0) return c.fail('a wildcard host takes every path: write /** (§4.1.2)');
  const path = c.scanPath();
  return path === undefined ? undefined : { scheme: 'dtn', authority, wildcardAt, path };
}

const dtnAny: EidPattern = { scheme: 'dtn', authority: DTN_ANY_AUTHORITY, wildcardAt: 0, path: undefined };
