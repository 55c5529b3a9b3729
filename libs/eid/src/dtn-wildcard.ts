import { DTN_ANY_AUTHORITY, type DtnPattern } from './eid-pattern.ts';
import { regionEquals } from './name-hash.ts';

/**
 * The parts of a dtn wildcard pattern `<labelPrefix>*.<domain>`. The '*' ends the left-most label
 * (§4.1.2 of draft -01) and stands for characters of that label only, never a '.'
 * (docs/spec-notes.md §4.1.2), so a name matches when its own domain equals `domain` and its
 * first label starts with the prefix. `dtn:**` is not split: it is the dtn default route and
 * matches every name.
 */
export interface DtnWildcard {
  readonly labelPrefix: string;
  readonly domain: string;
}

export function splitDtnWildcard(pattern: DtnPattern): DtnWildcard {
  const { authority, wildcardAt } = pattern;
  const dot = authority.indexOf('.');
  const labelEnd = dot < 0 ? authority.length : dot;
  return { labelPrefix: authority.slice(0, wildcardAt), domain: authority.slice(labelEnd + 1) };
}

/** A node name as [left-most label, the domain under it ('' for a one-label name)]. */
export function splitName(name: string): [label: string, domain: string] {
  const dot = name.indexOf('.');
  return dot < 0 ? [name, ''] : [name.slice(0, dot), name.slice(dot + 1)];
}

/**
 * Whether the left-most label text[start, end) fits a wildcard's prefix (its domain already
 * matched), ignoring the label's case: the FIB asks this of the label inside an EID.
 */
export function labelFits(w: DtnWildcard, text: string, start: number, end: number): boolean {
  return end - start >= w.labelPrefix.length && regionEquals(w.labelPrefix, 0, text, start, w.labelPrefix.length);
}

export const isDtnAny = (pattern: DtnPattern): boolean => pattern.authority === DTN_ANY_AUTHORITY;
