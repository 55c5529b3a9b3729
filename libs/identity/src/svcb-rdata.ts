import { Result } from 'effect';

/** An SVCB record's RDATA (RFC 9460 §2.2), as sent on the wire. */
export interface SvcbRecord {
  readonly priority: number;
  /** The TargetName, '.' for the owner itself. */
  readonly target: string;
  /** SvcParamKey → value bytes. */
  readonly params: ReadonlyMap<number, Uint8Array>;
}

/**
 * Parses SVCB RDATA ourselves: dns-packet carries type 64 only as opaque bytes. The layout is
 * SvcPriority (u16), TargetName (uncompressed labels, RFC 9460 §2.2), then SvcParams, each key
 * (u16), length (u16), value, keys strictly increasing. Anything else is refused.
 */
export function parseSvcbRdata(rdata: Uint8Array): Result.Result<SvcbRecord, string> {
  const view = new DataView(rdata.buffer, rdata.byteOffset, rdata.byteLength);
  if (rdata.length < 3) return Result.fail(`SVCB RDATA of ${rdata.length} bytes is too short`);
  const priority = view.getUint16(0);
  let at = 2;
  const labels: string[] = [];
  for (;;) {
    if (at >= rdata.length) return Result.fail('SVCB TargetName runs past the RDATA');
    const length = rdata[at]!;
    if (length === 0) break;
    if (length > 63) return Result.fail('SVCB TargetName is compressed or has a label over 63 bytes');
    if (at + 1 + length > rdata.length) return Result.fail('SVCB TargetName label runs past the RDATA');
    labels.push(Buffer.from(rdata.subarray(at + 1, at + 1 + length)).toString('latin1'));
    at += 1 + length;
  }
  at++;
  const params = new Map<number, Uint8Array>();
  let previous = -1;
  while (at < rdata.length) {
    if (at + 4 > rdata.length) return Result.fail('SVCB SvcParam header runs past the RDATA');
    const key = view.getUint16(at);
    const length = view.getUint16(at + 2);
    if (key <= previous) return Result.fail(`SVCB SvcParamKeys are not strictly increasing (key${key} after key${previous})`);
    if (at + 4 + length > rdata.length) return Result.fail(`SVCB key${key} value runs past the RDATA`);
    params.set(key, rdata.subarray(at + 4, at + 4 + length));
    previous = key;
    at += 4 + length;
  }
  return Result.succeed({ priority, target: labels.length === 0 ? '.' : `${labels.join('.')}.`, params });
}
