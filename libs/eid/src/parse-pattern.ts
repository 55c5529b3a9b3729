import { Cursor, isDigit } from './cursor.ts';
import { MAX_U32, type EidPattern, type IpnNode } from './eid-pattern.ts';
import { fail, type Parsed } from './parsed.ts';

/**
 * Parses the text form of an EID pattern (§4.1) and returns it in canonical form, or says what
 * is wrong and at which column. Accepted: `ipn:A.N`, `ipn:A.*`, `ipn:A.[min-max]`, `ipn:*`,
 * `dtn://name`, `dtn://*.domain`, `dtn://pre*fix.domain`, `dtn://*`.
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
      return fail(1, '"*:" would match every scheme; a DPP pattern names one: ipn:* or dtn://*');
    default:
      return fail(1, `unknown scheme "${scheme}": DPP routes the ipn and dtn schemes`);
  }
}

function parseIpn(c: Cursor): EidPattern | undefined {
  if (c.char() === '*') return parseIpnAny(c);
  if (c.char() === '[') return c.fail('a range is allowed only in the node number, under a specific allocator (§4.1.1)');
  const allocator = c.scanU32('allocator');
  if (allocator === undefined) return undefined;
  if (c.char() === '*') return c.fail('a wildcard replaces a whole number, not part of one');
  if (c.done) return c.fail('missing node: write ipn:A.N, ipn:A.* or ipn:A.[min-max]');
  if (c.char() !== '.') return c.fail(`expected "." after the allocator, found ${c.found}`);
  c.at++;
  const node = parseIpnNode(c);
  if (node === undefined) return undefined;
  if (c.char() === '.') {
    return c.fail('a third component: DPP ipn patterns are allocator.node (§4.1.1); service numbers are not routed');
  }
  if (!c.done) return c.fail(`unexpected ${c.found} after the node`);
  return { scheme: 'ipn', allocator: allocator, node: node };
}

/** `ipn:*`; everything else that starts with a wildcard allocator breaks §4.1.1 or §4.1.3. */
function parseIpnAny(c: Cursor): EidPattern | undefined {
  c.at++;
  if (c.done) return { scheme: 'ipn', allocator: '*' };
  if (c.char() === '*') return c.fail('"**" is not a DPP pattern; the ipn default route is ipn:*');
  if (c.char() !== '.') return c.fail(`unexpected ${c.found} after the wildcard allocator`);
  c.at++;
  if (c.char() === '*') return c.fail('a second "*": a pattern holds at most one wildcard (§4.1.3); the ipn default route is ipn:*');
  return c.fail('a specific node cannot sit under a wildcard allocator (§4.1.1); name the allocator, or use ipn:*');
}

function parseIpnNode(c: Cursor): IpnNode | undefined {
  if (c.char() === '*') {
    c.at++;
    if (isDigit(c.char())) return c.fail('a wildcard replaces a whole number, not part of one', c.at - 1);
    return { kind: 'wildcard' };
  }
  if (c.char() === '[') return parseIpnRange(c);
  const node = c.scanU32('node');
  if (node === undefined) return undefined;
  if (c.char() === '*') return c.fail('a wildcard replaces a whole number, not part of one');
  return { kind: 'exact', node: node };
}

/**
 * `[min-max]`. A range that names one node is that node, and one that names the whole allocator
 * is its wildcard: the same set of EIDs always gets the same canonical form and score.
 */
function parseIpnRange(c: Cursor): IpnNode | undefined {
  const open = c.at++;
  const min = c.scanU32('range minimum');
  if (min === undefined) return undefined;
  if (c.char() !== '-') return c.fail(`expected "-" between the range bounds, found ${c.found}`);
  c.at++;
  const max = c.scanU32('range maximum');
  if (max === undefined) return undefined;
  if (c.char() === ',') return c.fail('one interval per range: DPP ranges are [min-max]');
  if (c.char() !== ']') return c.fail(`expected "]" to close the range, found ${c.found}`);
  c.at++;
  if (min > max) return c.fail(`range [${min}-${max}] has its minimum above its maximum`, open);
  if (min === max) return { kind: 'exact', node: min };
  if (min === 0 && max === MAX_U32) return { kind: 'wildcard' };
  return { kind: 'range', min: min, max: max };
}

function parseDtn(c: Cursor): EidPattern | undefined {
  if (!c.takeDtnSlashes() || !c.scanAuthority(true)) return undefined;
  const authority = c.name();
  // A node ID may end in "/" (dtn://node/); anything after it names a service, which is not routed.
  if (!c.done && c.at !== c.text.length - 1) {
    return c.fail(`a DPP pattern names a node, not a service: remove "${c.rest}"`);
  }
  return { scheme: 'dtn', authority, wildcardAt: authority.indexOf('*') };
}
