import { Result } from 'effect';
import { publicKeyFromSpkiBase64 } from './ad-key.ts';
import { IdentityError } from './identity-error.ts';
import { ED25519, type DtnSvcParams } from './svcb-params.ts';
import type { SvcbRecord } from './svcb-rdata.ts';

/** The keys an AD publishes (§5.1), each from one SVCB record; several for per-speaker keys (§5.1.1). */
export interface DtnIdentity {
  readonly ad: string;
  readonly keys: readonly Uint8Array[];
  /** Records passed over, with why: an operator sees a typo in a zone rather than a silent gap. */
  readonly skipped: readonly string[];
}

/**
 * The usable keys of an SVCB RRset at _dtn_domain.<ad>. A record counts when it is in ServiceMode
 * (priority > 0; AliasMode records are not followed, docs/spec-notes.md §5.1), names ed25519 and
 * carries a well-formed SPKI key. With none usable, the reason names the most telling failure:
 * malformed ed25519 keys (the AD meant to publish one), then unsupported algorithms, then no DPP
 * records at all.
 */
export function dtnIdentity(ad: string, records: readonly SvcbRecord[], params: DtnSvcParams): Result.Result<DtnIdentity, IdentityError> {
  const keys: Uint8Array[] = [];
  const skipped: string[] = [];
  let unsupported = 0;
  let malformed = 0;
  for (const [i, record] of records.entries()) {
    const alg = record.params.get(params.alg);
    const pubkey = record.params.get(params.pubkey);
    const where = `record ${i + 1} (priority ${record.priority}, target ${record.target})`;
    if (record.priority === 0) {
      skipped.push(`${where}: AliasMode, not followed`);
    } else if (alg === undefined || pubkey === undefined) {
      skipped.push(`${where}: no key${params.alg} (dtn-alg) and key${params.pubkey} (dtn-pubkey)`);
    } else if (Buffer.from(alg).toString('latin1').toLowerCase() !== ED25519) {
      unsupported++;
      skipped.push(`${where}: dtn-alg "${Buffer.from(alg).toString('latin1')}" is not ${ED25519}`);
    } else {
      const key = publicKeyFromSpkiBase64(Buffer.from(pubkey).toString('latin1'));
      if (Result.isSuccess(key)) keys.push(key.success);
      else {
        malformed++;
        skipped.push(`${where}: ${key.failure}`);
      }
    }
  }
  if (keys.length > 0) return Result.succeed({ ad, keys, skipped });
  const detail = skipped.length > 0 ? skipped.join('; ') : `no SVCB records at _dtn_domain.${ad}`;
  const reason = malformed > 0 ? 'malformed-key' : unsupported > 0 ? 'unsupported-algorithm' : 'no-records';
  return Result.fail(new IdentityError({ reason, ad, detail }));
}
