/**
 * EID patterns as DPP restricts them (§4.1): the "strict monotonic subset" of
 * draft-ietf-dtn-eid-pattern. Values of these types are always valid and canonical: they are
 * made only by parsePattern and patternFromWire, so every other module can rely on the §4.1
 * constraints without checking them again.
 */

/** §4.1.1: the node part of an ipn pattern, allowed only under a specific allocator. */
export type IpnNode =
  | { readonly kind: 'exact'; readonly node: number }
  | { readonly kind: 'range'; readonly min: number; readonly max: number }
  | { readonly kind: 'wildcard' };

/** `ipn:*`, the default route of the ipn scheme: a wildcard allocator admits no node part. */
export interface IpnAnyPattern {
  readonly scheme: 'ipn';
  readonly allocator: '*';
}

/** `ipn:100.1`, `ipn:100.*`, `ipn:100.[10-13]`. */
export interface IpnAllocatorPattern {
  readonly scheme: 'ipn';
  readonly allocator: number;
  readonly node: IpnNode;
}

export type IpnPattern = IpnAnyPattern | IpnAllocatorPattern;

/**
 * `dtn://rover1.example.org`, `dtn://*.example.org`, `dtn://rover*.example.org`, `dtn://*`.
 * `authority` is lower-case (URI hosts are case-insensitive) and holds the `*` when there is one.
 */
export interface DtnPattern {
  readonly scheme: 'dtn';
  readonly authority: string;
  /** Index of the `*` in `authority`, or -1 for an exact pattern. */
  readonly wildcardAt: number;
}

export type EidPattern = IpnPattern | DtnPattern;

export const MAX_U32 = 0xffff_ffff;

/** The authority of the dtn default route: every dtn EID matches it (docs/spec-notes.md §4.1.2). */
export const DTN_ANY_AUTHORITY = '*';
