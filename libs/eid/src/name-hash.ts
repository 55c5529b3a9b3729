/**
 * The hash of a region of text, ignoring ASCII case: FNV-1a over lower-cased character codes.
 * The FIB hashes the name inside an EID's text in place, so that a lookup builds no key string,
 * and must get the same value as for the stored canonical (lower-case) name. Defined for the
 * characters a scanned EID may hold (ASCII).
 */
export const EMPTY_HASH = 0x811c9dc5 | 0;

/** ASCII code → its lower-case code. */
export const LOWER = Uint8Array.from({ length: 128 }, (_, code) => (code >= 0x41 && code <= 0x5a ? code | 0x20 : code));

/** One character more: the scanners call this as they validate, so a name is read once. */
export const hashStep = (hash: number, code: number): number => Math.imul(hash ^ LOWER[code & 0x7f]!, 0x01000193);

export function extendHash(hash: number, text: string, start: number, end: number): number {
  let h = hash;
  for (let i = start; i < end; i++) h = hashStep(h, text.charCodeAt(i));
  return h;
}

export const regionHash = (text: string, start: number, end: number): number => extendHash(EMPTY_HASH, text, start, end);

/** Whether text[start, start + length) equals lower[offset, offset + length), ignoring the case of `text`. */
export function regionEquals(lower: string, offset: number, text: string, start: number, length: number): boolean {
  for (let j = 0; j < length; j++) {
    if (lower.charCodeAt(offset + j) !== LOWER[text.charCodeAt(start + j) & 0x7f]) return false;
  }
  return true;
}
