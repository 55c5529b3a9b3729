import { Data } from 'effect';

/**
 * Why an AD's identity could not be established (§5.2 steps 2 and 5, §9.1). The session maps
 * each reason to its Notification code (docs/spec-notes.md, Notification codes).
 */
export type IdentityFailure =
  /** No usable answer: timeout, network error, SERVFAIL without a DNSSEC reason, malformed response. */
  | 'dns-failure'
  /** The validating resolver found the answer bogus (SERVFAIL with a DNSSEC extended error). */
  | 'dnssec-bogus'
  /** The answer is not authenticated (no AD bit) while DNSSEC is required. */
  | 'dnssec-unsigned'
  /** No SVCB record at _dtn_domain.<AD> carries DPP identity parameters. */
  | 'no-records'
  /** Records carry dtn-alg values, none of them one we implement (ed25519). */
  | 'unsupported-algorithm'
  /** An ed25519 record's dtn-pubkey is malformed, and no record gives a usable key. */
  | 'malformed-key';

export class IdentityError extends Data.TaggedError('IdentityError')<{
  readonly reason: IdentityFailure;
  readonly ad: string;
  readonly detail: string;
}> {
  override get message(): string {
    return `${this.ad}: ${this.reason}: ${this.detail}`;
  }
}
