/**
 * The SvcParamKey numbers of dtn-alg and dtn-pubkey (§5.1, Table 4). The draft leaves them TBD
 * (§10.1), so they are configuration; the defaults are private-use keys (RFC 9460 §14.3.2).
 */
export interface DtnSvcParams {
  readonly alg: number;
  readonly pubkey: number;
}

export const DEFAULT_SVC_PARAMS: DtnSvcParams = { alg: 65280, pubkey: 65281 };

/** The one algorithm we implement; §5.1 makes it mandatory. */
export const ED25519 = 'ed25519';
