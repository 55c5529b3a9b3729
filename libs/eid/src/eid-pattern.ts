/**
 * EID patterns as DPP restricts them (§4.1 of draft-taylor-dtn-dpp-01): the "strict monotonic
 * subset" of draft-ietf-dtn-eid-pattern. Values of these types are always valid and canonical:
 * they are made only by parsePattern and patternFromWire, so every other module can rely on the
 * §4.1 constraints without checking them again.
 */

/** §4.1.1: a node or service number of an ipn pattern: one number, a range of them, or any. */
export type IpnPart =
  | { readonly kind: 'exact'; readonly value: number }
  | { readonly kind: 'range'; readonly min: number; readonly max: number }
  | { readonly kind: 'wildcard' };

/** `ipn:**`, the default route of the ipn scheme. */
export interface IpnAnyPattern {
  readonly scheme: 'ipn';
  readonly allocator: '*';
}

/**
 * `ipn:100.1.5`, `ipn:100.1.*`, `ipn:100.*.*`, `ipn:100.[10-13].*`, `ipn:100.1.[0-63]`. The service
 * part is a wildcard unless the node is exact (§4.1.1: nothing specific under what is not).
 */
export interface IpnAllocatorPattern {
  readonly scheme: 'ipn';
  readonly allocator: number;
  readonly node: IpnPart;
  readonly service: IpnPart;
}

export type IpnPattern = IpnAnyPattern | IpnAllocatorPattern;

/**
 * `dtn://rover1.example.org/**`, `dtn://*.example.org/**`, `dtn://rover*.example.org/**`,
 * `dtn://rover1.example.org/svc`, `dtn:**`. `authority` is lower-case (URI hosts are
 * case-insensitive) and holds the `*` when there is one ('*' alone for `dtn:**`).
 */
export interface DtnPattern {
  readonly scheme: 'dtn';
  readonly authority: string;
  /** Index of the `*` in `authority`, or -1 for an exact name. */
  readonly wildcardAt: number;
  /** One exact path, starting with '/' (exact names only), or undefined for every path (`/**`). */
  readonly path: string | undefined;
}

export type EidPattern = IpnPattern | DtnPattern;

export const MAX_U32 = 0xffff_ffff;

/** The authority of the dtn default route `dtn:**`: every dtn EID matches it. */
export const DTN_ANY_AUTHORITY = '*';

export const WILDCARD: IpnPart = { kind: 'wildcard' };
