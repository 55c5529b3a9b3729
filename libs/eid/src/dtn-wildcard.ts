import { DTN_ANY_AUTHORITY, type DtnPattern } from './eid-pattern.ts';
import { regionEquals } from './name-hash.ts';

/**
 * The parts of a dtn wildcard pattern `<labelPrefix>*<labelSuffix>.<domain>`. The '*' stands
 * for characters of the left-most label only, never a '.' (docs/spec-notes.md §4.1.2), so a
 * name matches when its own domain equals `domain` and its first label fits around the '*'.
 * `dtn://*` is not split: it is the dtn default route and matches every name.
 */
export interface DtnWildcard {
  readonly labelPrefix: string;
  readonly labelSuffix: string;
  readonly domain: string;
}

export function splitDtnWildcard(pattern: DtnPattern): DtnWildcard {
  const { authority, wildcardAt } = pattern;
  const dot = authority.indexOf('.');
  const labelEnd = dot < 0 ? authority.length : dot;
  return {
    labelPrefix: authority.slice(0, wildcardAt),
    labelSuffix: authority.slice(wildcardAt + 1, labelEnd),
    domain: authority.slice(labelEnd + 1),
  };
}

/** A node name as [left-most label, the domain under it ('' for a one-label name)]. */
export function splitName(name: string): [label: string, domain: string] {
  const dot = name.indexOf('.');
  return dot < 0 ? [name, ''] : [name.slice(0, dot), name.slice(dot + 1)];
}

/**
 * Whether the left-most label text[start, end) fits a wildcard's prefix and suffix (its domain
 * already matched), ignoring the label's case: the FIB asks this of the label inside an EID.
 */
export function labelFits(w: DtnWildcard, text: string, start: number, end: number): boolean {
  const { labelPrefix, labelSuffix } = w;
  return (
    end - start >= labelPrefix.length + labelSuffix.length &&
    regionEquals(labelPrefix, 0, text, start, labelPrefix.length) &&
    regionEquals(labelSuffix, 0, text, end - labelSuffix.length, labelSuffix.length)
  );
}

export const isDtnAny = (pattern: DtnPattern): boolean => pattern.authority === DTN_ANY_AUTHORITY;
