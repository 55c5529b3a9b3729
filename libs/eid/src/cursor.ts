import { fail, ok, type Parsed } from './parsed.ts';
import { MAX_U32 } from './eid-pattern.ts';

/**
 * A read position in text, with the scanning steps that EID patterns and concrete EIDs share.
 * Hand-written rather than a regular expression so that every rejection can name the exact
 * column and the rule of §4.1 it breaks.
 */
export class Cursor {
  readonly text: string;
  at: number;

  constructor(text: string, at: number) {
    this.text = text;
    this.at = at;
  }

  get done(): boolean {
    return this.at >= this.text.length;
  }

  /** The character under the cursor, or '' at the end. A method, so that checks on it are not narrowed across moves. */
  char(): string {
    return this.text.charAt(this.at);
  }

  get rest(): string {
    return this.text.slice(this.at);
  }

  fail<T>(reason: string, at: number = this.at): Parsed<T> {
    return fail(at + 1, reason);
  }

  /** A description of what stands under the cursor, for "expected X, found Y" messages. */
  get found(): string {
    return this.done ? 'the end' : `"${this.char()}"`;
  }

  /** A decimal number of at most 32 bits (allocator, node, range bound). */
  scanU32(what: string): Parsed<number> {
    const start = this.at;
    while (isDigit(this.char())) this.at++;
    if (this.at === start) return this.fail(`expected the ${what} (a decimal number), found ${this.found}`);
    const digits = this.text.slice(start, this.at);
    if (digits.length > 1 && digits.startsWith('0')) {
      return this.fail(`the ${what} ${digits} has a leading zero; write ${digits.replace(/^0+(?=\d)/, '')}`, start);
    }
    const value = Number(digits);
    if (value > MAX_U32) return this.fail(`the ${what} ${digits} is over 2^32-1 (4294967295)`, start);
    return ok(value);
  }

  /**
   * A dtn node name: dot-separated labels of letters, digits, '-' and '_', up to the next '/'.
   * With `wildcard`, one '*' may stand in the left-most label (§4.1.2, §4.1.3).
   * Returns the name in lower case and the index of its '*' (-1 when none).
   */
  scanAuthority(wildcard: boolean): Parsed<{ authority: string; wildcardAt: number }> {
    const start = this.at;
    let labelStart = start;
    let wildcardAt = -1;
    for (; !this.done && this.char() !== '/'; this.at++) {
      const ch = this.char();
      if (ch === '.') {
        if (this.at === labelStart) return this.fail('empty label in the node name');
        labelStart = this.at + 1;
        continue;
      }
      if (ch === '*') {
        if (!wildcard) return this.fail('an EID is concrete: "*" belongs in patterns');
        if (wildcardAt >= 0) return this.fail('a second "*": a pattern holds at most one wildcard (§4.1.3)');
        if (labelStart !== start) {
          return this.fail('a wildcard is allowed only in the left-most label (§4.1.2): a specific name cannot sit under a wildcard');
        }
        wildcardAt = this.at - start;
      } else if (!isNameChar(ch)) {
        return this.fail(`"${ch}" is not allowed in a node name (letters, digits, "-" and "_")`);
      }
      if (this.at - labelStart >= MAX_LABEL) return this.fail(`label longer than ${MAX_LABEL} characters`, labelStart);
    }
    if (this.at === start) return this.fail('expected a node name after "//"');
    if (this.at === labelStart) return this.fail('empty label: remove the trailing "."', this.at - 1);
    if (this.at - start > MAX_AUTHORITY) {
      return this.fail(`node name of ${this.at - start} characters is over the ${MAX_AUTHORITY} allowed`, start);
    }
    return ok({ authority: this.text.slice(start, this.at).toLowerCase(), wildcardAt });
  }
}

/** DNS limits. They also keep every dtn literal length under 256, which §4.2 assumes. */
const MAX_LABEL = 63;
const MAX_AUTHORITY = 253;

export const isDigit = (ch: string): boolean => ch >= '0' && ch <= '9';

const isNameChar = (ch: string): boolean =>
  (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || isDigit(ch) || ch === '-' || ch === '_';

