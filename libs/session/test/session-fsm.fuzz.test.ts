import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SESSION_CONFIG, initialSession, NotificationCode, step, type Role, type SessionInput, type SessionState } from '#libs/session';
import { peerMessageCodec, type PeerMessage } from '#libs/wire';
import { anyPeerMessage } from '../../../test/harness/arbitraries.ts';

const codec = peerMessageCodec();
const T0 = 1_000_000;
/** Runs per property: CI's short mode by default; `npm run fuzz` sets DPP_FUZZ_RUNS for the long one (issue 9). */
const RUNS = Number(process.env['DPP_FUZZ_RUNS'] ?? 300);
const CODES = new Set<number>(Object.values(NotificationCode));
const ADS = ['dsn.example.org', 'esa.example.org', 'Bad..Name', ''];

const message = anyPeerMessage(ADS);

/** Any input the shell may feed: peer messages (through the real codec), the results of its own work, the clock, faults. */
const input: fc.Arbitrary<SessionInput> = fc.oneof(
  { weight: 6, arbitrary: message.map((m): SessionInput => ({ type: 'received', message: codec.decode(codec.encode(m)) })) },
  fc.constant<SessionInput>({ type: 'transport-up' }),
  fc.constant<SessionInput>({ type: 'identity-found', keys: [new Uint8Array(32)], nonce: new Uint8Array(32) }),
  fc.constantFrom<SessionInput>({ type: 'identity-failed', reason: 'dns-failure', detail: 'x' }, { type: 'identity-failed', reason: 'dnssec-bogus', detail: 'x' }),
  fc.constant<SessionInput>({ type: 'signed', signature: new Uint8Array(64) }),
  fc.boolean().map((ok): SessionInput => ({ type: 'verified', ok })),
  fc.constant<SessionInput>({ type: 'send-update', update: { announcements: [] } }),
  fc.constant<SessionInput>({ type: 'tick' }),
  fc.constantFrom<SessionInput>({ type: 'send-blocked' }, { type: 'send-progress' }, { type: 'send-drained' }),
  fc.constant<SessionInput>({ type: 'refuse', code: NotificationCode.MALFORMED_MESSAGE, reason: 'bytes that do not decode' }),
  fc.constant<SessionInput>({ type: 'transport-down', reason: 'gone' }),
  fc.constant<SessionInput>({ type: 'stop', reason: 'operator' }),
);

/** A handshake that succeeds (§5.2), so that the random inputs after it meet an ESTABLISHED session. */
const handshake = (role: Role): SessionInput[] => {
  const got = (m: PeerMessage): SessionInput => ({ type: 'received', message: codec.decode(codec.encode(m)) });
  return role === 'responder'
    ? [got({ sequence_number: '1', hello: { local_ad_id: 'dsn.example.org', hold_time_seconds: 90 } }), { type: 'identity-found', keys: [new Uint8Array(32)], nonce: new Uint8Array(32) }, got({ sequence_number: '2', response: { signature: new Uint8Array(64) } }), { type: 'verified', ok: true }]
    : [{ type: 'transport-up' }, got({ sequence_number: '1', challenge: { nonce: new Uint8Array(32) } }), { type: 'signed', signature: new Uint8Array(64) }, got({ sequence_number: '2', keep_alive: {} })];
};

describe('session FSM under random input (issue 9, fuzzing the peer input: the pure part)', () => {
  it.each<Role>(['responder', 'initiator'])('as %s: never throws, ends on its own only with a documented code said in a Notification first, numbers what it sends, and is silent once over', (role) => {
    let inputs = 0;
    const reached = new Set<string>();
    fc.assert(
      fc.property(fc.boolean(), fc.array(fc.tuple(input, fc.nat(200_000)), { maxLength: 25 }), (established, random) => {
        const script: [SessionInput, number][] = [...(established ? handshake(role).map((i): [SessionInput, number] => [i, 0]) : []), ...random];
        inputs += script.length;
        let state: SessionState = initialSession(role, { ...DEFAULT_SESSION_CONFIG, localAd: 'us.example.org', speakerId: 'dtn://us', peers: new Set(['dsn.example.org']) }, T0, role === 'initiator' ? 'dsn.example.org' : undefined);
        let now = T0;
        let lastSent = 0n;
        for (const [next, elapsed] of script) {
          now += elapsed;
          const wasOver = state.phase === 'FAILED';
          const wasEstablished = state.phase === 'ESTABLISHED';
          const result = step(state, next, now);
          if (wasOver) expect(result.outputs).toEqual([]);
          for (const [i, output] of result.outputs.entries()) {
            if (output.type === 'send') {
              const seq = BigInt(String(output.message.sequence_number ?? '0'));
              expect(seq).toBeGreaterThan(lastSent);
              lastSent = seq;
            }
            if (output.type === 'route-update') expect(wasEstablished).toBe(true);
            if (output.type === 'closed') {
              expect(result.state.phase).toBe('FAILED');
              // Ended by us: with a code of our table, said to the peer first. Ended by the peer: its code, whatever it is.
              if (!output.byPeer) {
                expect(CODES.has(output.code)).toBe(true);
                expect(result.outputs[i - 1]).toMatchObject({ type: 'send', message: { notification: { level: 'ERROR', code: output.code } } });
              }
            }
          }
          state = result.state;
          reached.add(state.phase);
        }
      }),
      { numRuns: RUNS },
    );
    // The random scripts do get through the handshake: the properties hold in every state, ESTABLISHED included.
    expect([...reached].sort()).toEqual(expect.arrayContaining(['ESTABLISHED', 'FAILED']));
    if (process.env['DPP_FUZZ_RUNS']) console.log(`${role}: ${inputs} inputs in ${RUNS} runs, states reached: ${[...reached].sort().join(', ')}`);
  });
});
