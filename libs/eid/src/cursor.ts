import { ok, patternError, type Parsed, type PatternError } from './parsed.ts';
import { MAX_U32 } from './eid-pattern.ts';
import { EMPTY_HASH, hashStep, LOWER } from './name-hash.ts';

/**
 * A read position in text, with the scanning steps that EID patterns and concrete EIDs share.
 * Hand-written rather than a regular expression so that every rejection can name the exact
 * column and the rule of §4.1 it breaks. Steps return their value, or undefined after recording
 * why in `error`: the FIB parses an EID per lookup, and a result object per step would cost more
 * than the lookup itself.
 */
export class Cursor {
  text: string;
  at: number;
  error: PatternError | undefined;
  /** Where the last scanned name, or ipn `A.N`, stands in `text`. */
  regionStart = 0;
  regionEnd = 0;
  /** The end of the left-most label of the last scanned name. */
  labelEnd = 0;
  /** Whether the last scanned name has upper-case letters. */
  upper = false;
  /** The allocator, node and service of the last scanned ipn EID. */
  allocator = 0;
  node = 0;
  service = 0;
  /** Whether it was RFC 9758's two-part `N.S` (allocator 0), whose text holds no `A.N` region. */
  twoPart = false;
  /**
   * name-hash.ts hashes, computed while scanning: `hash` runs on through the digits of scanU32
   * (the caller sets where it starts) and covers a whole name after scanAuthority; `domainHash`
   * covers the name after its first label. The FIB probes its tables with them.
   */
  hash = EMPTY_HASH;
  domainHash = EMPTY_HASH;

  constructor(text: string, at: number) {
    this.text = text;
    this.at = at;
  }

  /** Points the cursor at new text; a FIB reuses one cursor for all its lookups. */
  reset(text: string): this {
    this.text = text;
    this.at = 0;
    this.error = undefined;
    return this;
  }

  get done(): boolean {
    return this.at >= this.text.length;
  }

  /** The character under the cursor, or '' at the end. A method, so that checks on it are not narrowed across moves. */
  char(): string {
    return this.text.charAt(this.at);
  }

  /** The code of the character under the cursor, or -1 at the end: for hot paths, which compare codes. */
  code(): number {
    return this.at < this.text.length ? this.text.charCodeAt(this.at) : -1;
  }

  get rest(): string {
    return this.text.slice(this.at);
  }

  /** Records why the text is refused; returns undefined for the caller to pass on. */
  fail(reason: string, at: number = this.at): undefined {
    this.error = patternError(at + 1, reason);
    return undefined;
  }

  /** A step's value as the public result. */
  result<T>(value: T | undefined): Parsed<T> {
    return value !== undefined ? ok(value) : { ok: false, error: this.error ?? patternError(this.at + 1, 'not valid here') };
  }

  /** A description of what stands under the cursor, for "expected X, found Y" messages. */
  get found(): string {
    return this.done ? 'the end' : `"${this.char()}"`;
  }

  /** A decimal number of at most 32 bits (allocator, node, range bound); its digits extend `hash`. */
  scanU32(what: string): number | undefined {
    return this.scanDecimal(what, 32);
  }

  /**
   * A decimal number of at most `bits` bits (32, or 64 for an EID's service number, RFC 9758)
   * without a leading zero; its digits extend `hash`. Past 2^53 the value is inexact but still
   * above 2^32-1, which is all that is asked of it; 20 digits or more are checked against 2^64-1
   * exactly.
   */
  scanDecimal(what: string, bits: 32 | 64): number | undefined {
    const { text } = this;
    const start = this.at;
    let at = start;
    let value = 0;
    let hash = this.hash;
    // Reads stay inside the text: past its end charCodeAt answers NaN through V8's slow path.
    for (; at < text.length; at++) {
      const code = text.charCodeAt(at);
      if (code < ZERO || code > NINE) break;
      value = value * 10 + (code - ZERO);
      hash = hashStep(hash, code);
    }
    this.at = at;
    this.hash = hash;
    if (at === start) return this.fail(`expected the ${what} (a decimal number), found ${this.found}`);
    if (at - start > 1 && text.charCodeAt(start) === ZERO) {
      const digits = text.slice(start, at);
      return this.fail(`the ${what} ${digits} has a leading zero; write ${digits.replace(/^0+(?=\d)/, '')}`, start);
    }
    if (bits === 32 && value > MAX_U32) return this.fail(`the ${what} ${text.slice(start, at)} is over 2^32-1 (4294967295)`, start);
    if (bits === 64 && at - start >= 20 && BigInt(text.slice(start, at)) > MAX_U64) return this.fail(`the ${what} ${text.slice(start, at)} is over 2^64-1`, start);
    return value;
  }

  /**
   * A dtn node name: dot-separated labels of letters, digits, '-' and '_', up to the next '/'.
   * With `wildcard`, one '*' may stand in the left-most label (§4.1.2, §4.1.3).
   * Records where the name and its first label stand, and their hashes; `name()` gives the name.
   */
  scanAuthority(wildcard: boolean): boolean {
    const { text } = this;
    const start = this.at;
    let at = start;
    let labelStart = start;
    let labelEnd = -1;
    let wildcardAt = -1;
    let upper = false;
    let hash = EMPTY_HASH;
    let domainHash = EMPTY_HASH;
    for (; at < text.length; at++) {
      const code = text.charCodeAt(at);
      const kind = code < 128 ? NAME_CHAR[code]! : OTHER;
      if (kind === SLASH) break;
      hash = hashStep(hash, code);
      if (labelEnd >= 0) domainHash = hashStep(domainHash, code);
      if (kind === DOT) {
        if (at === labelStart) return this.refuse('empty label in the node name', at);
        if (labelEnd < 0) labelEnd = at;
        labelStart = at + 1;
        continue;
      }
      if (kind === STAR) {
        if (!wildcard) return this.refuse('an EID is concrete: "*" belongs in patterns', at);
        if (wildcardAt >= 0) return this.refuse('a second "*": a pattern holds at most one wildcard (§4.1.3)', at);
        if (labelStart !== start) {
          return this.refuse('a wildcard is allowed only in the left-most label (§4.1.2): a specific name cannot sit under a wildcard', at);
        }
        const next = at + 1 < text.length ? NAME_CHAR[text.charCodeAt(at + 1)] : SLASH;
        if (next !== DOT && next !== SLASH && next !== STAR) {
          return this.refuse('the wildcard must end its label (§4.1.2 of draft -01): write rover*.example.org, not r*1 or *rover', at);
        }
        wildcardAt = at - start;
      } else if (kind === OTHER) {
        return this.refuse(`"${text.charAt(at)}" is not allowed in a node name (letters, digits, "-" and "_")`, at);
      }
      upper ||= kind === UPPER;
      if (at - labelStart >= MAX_LABEL) return this.refuse(`label longer than ${MAX_LABEL} characters`, labelStart);
    }
    this.at = at;
    if (at === start) return this.refuse('expected a node name after "//"');
    if (at === labelStart) return this.refuse('empty label: remove the trailing "."', at - 1);
    if (at - start > MAX_AUTHORITY) return this.refuse(`node name of ${at - start} characters is over the ${MAX_AUTHORITY} allowed`, start);
    this.regionStart = start;
    this.regionEnd = at;
    this.labelEnd = labelEnd < 0 ? at : labelEnd;
    this.upper = upper;
    this.hash = hash;
    this.domainHash = domainHash;
    return true;
  }

  /**
   * The exact path of a dtn pattern, from its '/' to the end: URI path characters (RFC 3986 pchar
   * and '/'), no wildcard (a pattern routes a node's every path, `/**`, or one path).
   */
  scanPath(): string | undefined {
    const { text } = this;
    const start = this.at;
    if (text.charAt(start) !== '/') return this.fail(`expected "/" after the node name, found ${this.found}`);
    for (let at = start + 1; at < text.length; at++) {
      const ch = text.charAt(at);
      if (ch === '*') return this.fail('a wildcard in a path: a pattern takes one exact path, or every path of its node (/**)', at);
      if (ch === '%' && !/^[0-9A-Fa-f]{2}$/.test(text.slice(at + 1, at + 3))) return this.fail('"%" must start a percent-encoded byte (%HH)', at);
      if (!PATH_CHAR.test(ch)) return this.fail(`"${ch}" is not allowed in a path (RFC 3986)`, at);
    }
    if (text.length - start > MAX_PATH) return this.fail(`path of ${text.length - start} characters is over the ${MAX_PATH} allowed`, start);
    this.at = text.length;
    return text.slice(start);
  }

  /** The last scanned name, in lower case. */
  name(): string {
    const name = this.text.slice(this.regionStart, this.regionEnd);
    return this.upper ? name.toLowerCase() : name;
  }

  /** Like fail, for steps that answer true or false. */
  refuse(reason: string, at: number = this.at): false {
    this.fail(reason, at);
    return false;
  }

  /** After "dtn:", the "//" of a node name; dtn:none, the null endpoint, is refused by name. */
  takeDtnSlashes(): boolean {
    if (this.text.startsWith('//', this.at)) {
      this.at += 2;
      return true;
    }
    if (this.rest.toLowerCase() === 'none') return this.refuse('dtn:none is the null endpoint; nothing routes to it');
    return this.refuse('expected "//" after "dtn:"');
  }

  /** Whether the text continues with `prefix`, ignoring ASCII case (schemes are case-insensitive). */
  takeIgnoringCase(prefix: string): boolean {
    if (this.at + prefix.length > this.text.length) return false;
    for (let i = 0; i < prefix.length; i++) {
      if (LOWER[this.text.charCodeAt(this.at + i) & 0x7f] !== prefix.charCodeAt(i) || this.text.charCodeAt(this.at + i) > 0x7f) return false;
    }
    this.at += prefix.length;
    return true;
  }
}

/** DNS limits. They also keep every dtn literal length under 256, which §4.2 assumes. */
const MAX_LABEL = 63;
const MAX_AUTHORITY = 253;
/** A path's share of a literal length: with it an exact score stays well inside a uint32. */
const MAX_PATH = 255;
const PATH_CHAR = /[A-Za-z0-9\-._~!$&'()+,;=:@%/]/;

export const isDigit = (ch: string): boolean => ch >= '0' && ch <= '9';

const MAX_U64 = 2n ** 64n - 1n;
const ZERO = 0x30;
const NINE = 0x39;

/** What each ASCII character is to a node name; names are scanned once per FIB lookup. */
const [OTHER, NAME, UPPER, DOT, STAR, SLASH] = [0, 1, 2, 3, 4, 5] as const;
const NAME_CHAR = new Uint8Array(128);
for (let code = 0; code < 128; code++) {
  const ch = String.fromCharCode(code);
  NAME_CHAR[code] =
    ch >= 'A' && ch <= 'Z' ? UPPER
    : (ch >= 'a' && ch <= 'z') || isDigit(ch) || ch === '-' || ch === '_' ? NAME
    : ch === '.' ? DOT
    : ch === '*' ? STAR
    : ch === '/' ? SLASH
    : OTHER;
}


/**
 * A whole string as one node name (a wire authority_string, an AD identity): the name, lower-cased,
 * or why it is not one, as `column N: <what>: <reason>`.
 */
export function wholeName(text: string, wildcard: boolean, what: string): { readonly name: string } | { readonly error: PatternError } {
  const refused = (column: number, reason: string) => ({ error: patternError(column, `${what}: ${reason}`) });
  if (text === '') return refused(1, 'empty');
  const cursor = new Cursor(text, 0);
  if (!cursor.scanAuthority(wildcard)) return refused(cursor.error?.column ?? 1, cursor.error?.reason ?? 'not a name');
  if (!cursor.done) return refused(cursor.at + 1, 'a node name alone: "/" is not allowed');
  return { name: cursor.name() };
}
