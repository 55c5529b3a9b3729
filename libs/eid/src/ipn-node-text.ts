import { MAX_U32 } from './eid-pattern.ts';

/**
 * Whether `text` is the canonical text (formatPattern) of an exact ipn node with every service,
 * `ipn:A.N.*`: nearly every route of a full table. A reader holding such texts by their text (a
 * gateway's FIB) needs neither a parse nor a format for them; any other text answers false and
 * takes the parse.
 */
export function isIpnNodeText(text: string): boolean {
  if (!text.startsWith('ipn:') || !text.endsWith('.*')) return false;
  const dot = decimalEnd(text, 4);
  return dot > 4 && text.charCodeAt(dot) === DOT && decimalEnd(text, dot + 1) === text.length - 2 && dot + 1 < text.length - 2;
}

const DOT = 0x2e;
const ZERO = 0x30;

/**
 * Where the canonical decimal (no leading zero, at most 2^32-1) starting at `at` ends, or -1 when
 * the digits there are not one (none at all answers `at`).
 */
function decimalEnd(text: string, at: number): number {
  let value = 0;
  let end = at;
  for (; end < text.length; end++) {
    const digit = text.charCodeAt(end) - ZERO;
    if (digit < 0 || digit > 9) break;
    if (end > at && value === 0) return -1;
    value = value * 10 + digit;
    if (value > MAX_U32) return -1;
  }
  return end;
}
