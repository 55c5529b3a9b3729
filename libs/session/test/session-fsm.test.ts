import { describe, expect, it } from 'vitest';
import { generateAdKey, signNonce, verifyNonce, type AdKeyPair } from '#libs/identity';
import {
  DEFAULT_SESSION_CONFIG,
  initialSession,
  nextDeadline,
  NotificationCode,
  step,
  type SessionConfig,
  type SessionInput,
  type SessionOutput,
  type SessionState,
} from '#libs/session';
import { peerMessageCodec, type PeerMessage, type RouteUpdate } from '#libs/wire';

const codec = peerMessageCodec();
/** What the peer's FSM receives: the message through the grpc-js serializers, as on the wire. */
const wire = (message: PeerMessage) => codec.decode(codec.encode(message));
const received = (message: PeerMessage): SessionInput => ({ type: 'received', message: wire(message) });

const config = (localAd: string, over: Partial<SessionConfig> = {}): SessionConfig => ({
  ...DEFAULT_SESSION_CONFIG,
  localAd,
  speakerId: `dtn://speaker.${localAd}`,
  peers: 'any',
  ...over,
});

const T0 = 1_000_000;

/** Feeds inputs in order at `now`, returning the final state and every output. */
function feed(state: SessionState, inputs: readonly SessionInput[], now = T0): { state: SessionState; outputs: SessionOutput[] } {
  const outputs: SessionOutput[] = [];
  for (const input of inputs) {
    const next = step(state, input, now);
    state = next.state;
    outputs.push(...next.outputs);
  }
  return { state, outputs };
}

const sent = (outputs: readonly SessionOutput[]) => outputs.flatMap((o) => (o.type === 'send' ? [o.message] : []));
const closedWith = (outputs: readonly SessionOutput[]) => outputs.find((o) => o.type === 'closed');

/** A Responder that has received a Hello from dsn.example.org and is looking it up. */
const responderAfterHello = (over: Partial<SessionConfig> = {}) =>
  feed(initialSession('responder', config('esa.example.org', over), T0), [
    received({ sequence_number: '1', hello: { local_ad_id: 'dsn.example.org', speaker_node_id: 'dtn://gds', hold_time_seconds: 90 } }),
  ]);

/** Expect the session to have failed with `code`: a Notification with it, then closed. */
function expectRefused(result: { state: SessionState; outputs: SessionOutput[] }, code: number): void {
  expect(result.state.phase).toBe('FAILED');
  const notification = sent(result.outputs).at(-1)?.notification;
  expect(notification).toMatchObject({ level: 'ERROR', code });
  expect(closedWith(result.outputs)).toMatchObject({ type: 'closed', code, byPeer: false });
}

describe('DPP session FSM, the handshake of §5.2 between two real FSMs', () => {
  it('establishes both sides with a real signature, numbering every message', async () => {
    const key: AdKeyPair = await generateAdKey();
    let initiator = initialSession('initiator', config('dsn.example.org'), T0, 'esa.example.org');
    let responder = initialSession('responder', config('esa.example.org', { peers: new Set(['dsn.example.org']) }), T0);
    const log: string[] = [];
    // Route each output to the other FSM, performing lookups, signing and verification for real.
    const queue: [side: 'i' | 'r', input: SessionInput][] = [['i', { type: 'transport-up' }], ['r', { type: 'transport-up' }]];
    while (queue.length > 0) {
      const [side, input] = queue.shift()!;
      const next = step(side === 'i' ? initiator : responder, input, T0);
      if (side === 'i') initiator = next.state;
      else responder = next.state;
      for (const output of next.outputs) {
        log.push(`${side}:${output.type}${output.type === 'send' ? `:${Object.keys(output.message).find((k) => k !== 'sequence_number')}#${output.message.sequence_number}` : ''}`);
        const other = side === 'i' ? 'r' : 'i';
        if (output.type === 'send') queue.push([other, received(output.message)]);
        if (output.type === 'lookup-identity') queue.push([side, { type: 'identity-found', keys: [key.publicKey], nonce: crypto.getRandomValues(new Uint8Array(32)) }]);
        if (output.type === 'sign') queue.push([side, { type: 'signed', signature: await signNonce(output.nonce, key.secretKey) }]);
        if (output.type === 'verify') {
          const ok = (await Promise.all(output.keys.map((k) => verifyNonce(output.signature, output.nonce, k)))).some(Boolean);
          queue.push([side, { type: 'verified', ok }]);
        }
      }
    }
    expect(log).toEqual([
      'i:send:hello#1',
      'r:lookup-identity',
      'r:send:challenge#1',
      'i:sign',
      'i:send:response#2',
      'r:verify',
      'r:send:keep_alive#2',
      'r:established',
      'i:established',
    ]);
    expect([initiator.phase, responder.phase]).toEqual(['ESTABLISHED', 'ESTABLISHED']);
    expect(responder).toMatchObject({ peerAd: 'dsn.example.org', peerSpeakerId: 'dtn://speaker.dsn.example.org', holdTime: 90 });
    expect(initiator).toMatchObject({ peerAd: 'esa.example.org', holdTime: 90 });
  });
});

describe('DPP session FSM, Responder refusals', () => {
  it.each([
    ['a RouteUpdate before ESTABLISHED', { update: { announcements: [], withdrawals: [] } }],
    ['a second Hello', { hello: { local_ad_id: 'dsn.example.org', hold_time_seconds: 90 } }],
    ['a HelloChallenge', { challenge: { nonce: Buffer.alloc(32) } }],
    ['a KeepAlive', { keep_alive: {} }],
  ])('answers %s during the lookup with UNEXPECTED_MESSAGE', (_, payload) => {
    const { state } = responderAfterHello();
    expectRefused(feed(state, [received({ sequence_number: '2', ...payload })]), NotificationCode.UNEXPECTED_MESSAGE);
  });

  it('answers a RouteUpdate in CONNECTING with UNEXPECTED_MESSAGE, and a message without payload with MALFORMED_MESSAGE', () => {
    const fresh = () => initialSession('responder', config('esa.example.org'), T0);
    expectRefused(feed(fresh(), [received({ update: { announcements: [] } })]), NotificationCode.UNEXPECTED_MESSAGE);
    expectRefused(feed(fresh(), [received({ sequence_number: '1' })]), NotificationCode.MALFORMED_MESSAGE);
  });

  it.each([
    ['an AD that is not a DNS name', { local_ad_id: 'dsn..example.org', hold_time_seconds: 90 }, NotificationCode.MALFORMED_MESSAGE],
    ['an AD that is not a configured peer', { local_ad_id: 'mallory.example.org', hold_time_seconds: 90 }, NotificationCode.PEER_NOT_CONFIGURED],
    ['a hold time of 2 s', { local_ad_id: 'dsn.example.org', hold_time_seconds: 2 }, NotificationCode.UNACCEPTABLE_HOLD_TIME],
    ['a hold time of 0 (no hold timer)', { local_ad_id: 'dsn.example.org', hold_time_seconds: 0 }, NotificationCode.UNACCEPTABLE_HOLD_TIME],
  ])('refuses a Hello with %s', (_, hello, code) => {
    // Even a range from 0 refuses 0: a session without a hold timer cannot be represented.
    const holdTimeRange: [number, number] = hello.hold_time_seconds === 0 ? [0, 65_535] : [3, 65_535];
    const responder = initialSession('responder', config('esa.example.org', { peers: new Set(['dsn.example.org']), holdTimeRange }), T0);
    expectRefused(feed(responder, [received({ hello })]), code);
  });

  it('refuses a Hello claiming our own AD, in any case, even when accepting any AD (§5.2: a relayed challenge of ours)', () => {
    for (const claimed of ['esa.example.org', 'ESA.Example.org.']) {
      const responder = initialSession('responder', config('esa.example.org'), T0);
      expectRefused(feed(responder, [received({ hello: { local_ad_id: claimed, hold_time_seconds: 90 } })]), NotificationCode.PEER_NOT_CONFIGURED);
    }
  });

  it('refuses a disabled AD with ADMINISTRATIVE_SHUTDOWN, configured or accepted as any, by its canonical name', () => {
    for (const peers of [new Set(['dsn.example.org']), 'any' as const]) {
      const responder = initialSession('responder', config('esa.example.org', { peers, disabled: new Set(['dsn.example.org']) }), T0);
      expectRefused(feed(responder, [received({ hello: { local_ad_id: 'DSN.Example.org.', hold_time_seconds: 90 } })]), NotificationCode.ADMINISTRATIVE_SHUTDOWN);
      const other = initialSession('responder', config('esa.example.org', { peers: 'any', disabled: new Set(['dsn.example.org']) }), T0);
      expect(feed(other, [received({ hello: { local_ad_id: 'jpl.example.org', hold_time_seconds: 90 } })]).state.phase).toBe('HANDSHAKE_SENT');
    }
  });

  it('accepts the smallest hold time in range and keeps the offer as the session hold time', () => {
    const responder = initialSession('responder', config('esa.example.org'), T0);
    const { state, outputs } = feed(responder, [received({ hello: { local_ad_id: 'DSN.example.org', hold_time_seconds: 3 } })]);
    expect(state).toMatchObject({ phase: 'HANDSHAKE_SENT', peerAd: 'dsn.example.org', holdTime: 3 });
    expect(outputs).toEqual([{ type: 'lookup-identity', ad: 'dsn.example.org' }]);
  });

  it.each([
    ['dns-failure', NotificationCode.DNS_FAILURE],
    ['dnssec-bogus', NotificationCode.DNSSEC_BOGUS],
    ['dnssec-unsigned', NotificationCode.DNSSEC_UNSIGNED],
    ['no-records', NotificationCode.NO_IDENTITY_RECORDS],
    ['unsupported-algorithm', NotificationCode.UNSUPPORTED_ALGORITHM],
    ['malformed-key', NotificationCode.MALFORMED_KEY],
  ] as const)('answers an identity lookup that failed with %s by its code', (reason, code) => {
    const { state } = responderAfterHello();
    expectRefused(feed(state, [{ type: 'identity-failed', reason, detail: 'from the resolver' }]), code);
  });

  it('refuses a signature no key verifies, and one of the wrong length without trying', () => {
    const challenged = feed(responderAfterHello().state, [{ type: 'identity-found', keys: [new Uint8Array(32)], nonce: new Uint8Array(32).fill(1) }]).state;
    const verifying = feed(challenged, [received({ sequence_number: '2', response: { signature: Buffer.alloc(64) } })]);
    expect(verifying.outputs).toEqual([{ type: 'verify', nonce: new Uint8Array(32).fill(1), signature: new Uint8Array(64), keys: [new Uint8Array(32)] }]);
    expectRefused(feed(verifying.state, [{ type: 'verified', ok: false }]), NotificationCode.BAD_SIGNATURE);
    const short = feed(challenged, [received({ sequence_number: '2', response: { signature: Buffer.alloc(63) } })]);
    expectRefused(short, NotificationCode.BAD_SIGNATURE);
    expect(short.outputs.some((o) => o.type === 'verify')).toBe(false);
  });
});

describe('DPP session FSM, Initiator refusals and tolerance', () => {
  const dialled = () => feed(initialSession('initiator', config('dsn.example.org'), T0, 'esa.example.org'), [{ type: 'transport-up' }]);

  it('answers a HelloResponse to nobody\'s challenge with UNEXPECTED_MESSAGE', () => {
    expectRefused(feed(dialled().state, [received({ response: { signature: Buffer.alloc(64) } })]), NotificationCode.UNEXPECTED_MESSAGE);
  });

  it('lets one Hello from a Responder that reads §8.1 literally pass, but not two', () => {
    const hello = received({ hello: { local_ad_id: 'esa.example.org', speaker_node_id: 'dtn://esoc' } });
    const once = feed(dialled().state, [hello]);
    expect(once.state.phase).toBe('HANDSHAKE_SENT');
    expect(once.outputs).toEqual([{ type: 'notice', message: 'Responder sent a Hello (§8.1); ignored' }]);
    expect(feed(once.state, [received({ challenge: { nonce: Buffer.alloc(16, 7) } })]).outputs).toEqual([{ type: 'sign', nonce: new Uint8Array(16).fill(7) }]);
    expectRefused(feed(once.state, [hello]), NotificationCode.UNEXPECTED_MESSAGE);
  });

  it('holds a Hello from the Responder to the same speaker id limit', () => {
    expectRefused(feed(dialled().state, [received({ hello: { local_ad_id: 'esa.example.org', speaker_node_id: 'x'.repeat(256) } })]), NotificationCode.MALFORMED_MESSAGE);
  });

  it.each([[15], [1025]])('refuses a challenge nonce of %i bytes', (bytes) => {
    expectRefused(feed(dialled().state, [received({ challenge: { nonce: Buffer.alloc(bytes) } })]), NotificationCode.MALFORMED_MESSAGE);
  });

  it('takes a RouteUpdate in RESPONSE_SENT as the acknowledgment, and logs it', () => {
    const waiting = feed(dialled().state, [received({ challenge: { nonce: Buffer.alloc(32) } }), { type: 'signed', signature: new Uint8Array(64) }]);
    expect(waiting.state.phase).toBe('RESPONSE_SENT');
    const update = { announcements: [{ patterns: [{ ipn: { allocator_id: 100, is_wildcard: true } }], ad_path: ['esa.example.org'] }] };
    const { state, outputs } = feed(waiting.state, [received({ sequence_number: '5', update })]);
    expect(state.phase).toBe('ESTABLISHED');
    expect(outputs.map((o) => o.type)).toEqual(['established', 'route-update']);
    expect(outputs[1]).toMatchObject({ type: 'route-update', sequenceNumber: '5' });
  });
});

/** A Responder ESTABLISHED with dsn.example.org at T0, hold time 90 s. */
function establishedResponder(over: Partial<SessionConfig> = {}): SessionState {
  const challenged = feed(responderAfterHello(over).state, [{ type: 'identity-found', keys: [new Uint8Array(32)], nonce: new Uint8Array(32) }]).state;
  return feed(challenged, [received({ sequence_number: '2', response: { signature: Buffer.alloc(64) } }), { type: 'verified', ok: true }]).state;
}

describe('DPP session FSM, ESTABLISHED', () => {
  const announcement = (patterns: RouteUpdate['announcements'] extends (infer A)[] | undefined ? A : never) => ({ update: { announcements: [patterns] } });

  it('sends a KeepAlive after hold/3 of silence and ends the session after the hold time without input', () => {
    const up = establishedResponder();
    expect(nextDeadline(up)).toBe(T0 + 30_000);
    const kept = step(up, { type: 'tick' }, T0 + 30_000);
    expect(sent(kept.outputs)).toEqual([{ sequence_number: '3', keep_alive: {} }]);
    expect(step(kept.state, { type: 'tick' }, T0 + 59_999).outputs).toEqual([]);
    expectRefused(feed(kept.state, [{ type: 'tick' }], T0 + 90_000), NotificationCode.HOLD_TIMER_EXPIRED);
  });

  it('ends a session whose peer takes nothing we send for the send hold time (RFC 9687), however much it sends', () => {
    const blocked = step(establishedResponder(), { type: 'send-blocked' }, T0 + 1_000).state;
    // Default: 8 minutes, as the hold time is 90 s; the peer's KeepAlives do not stop it.
    expect(nextDeadline(blocked)).toBe(T0 + 30_000);
    const talking = feed(blocked, [received({ sequence_number: '3', keep_alive: {} })], T0 + 480_000).state;
    expect(step(talking, { type: 'send-blocked' }, T0 + 480_000).state.sendBlockedSince).toBe(T0 + 1_000);
    expect(nextDeadline(step(talking, { type: 'tick' }, T0 + 480_000).state)).toBe(T0 + 481_000);
    expectRefused(feed(talking, [{ type: 'tick' }], T0 + 481_000), NotificationCode.HOLD_TIMER_EXPIRED);
    // The stream closing ends it at once, with the stream reset: what is queued will never be taken.
    expect(feed(talking, [{ type: 'tick' }], T0 + 481_000).outputs.at(-1)).toMatchObject({ type: 'closed', reset: true });
    // Drained in time: the timer is off.
    const drained = feed(blocked, [{ type: 'send-drained' }, received({ sequence_number: '3', keep_alive: {} })], T0 + 400_000).state;
    expect(step(drained, { type: 'tick' }, T0 + 481_000).state.phase).toBe('ESTABLISHED');
    // A peer that reads, slowly, is not cut: each message it takes restarts the timer.
    const slow = feed(blocked, [{ type: 'send-progress' }, received({ sequence_number: '3', keep_alive: {} })], T0 + 400_000).state;
    const later = feed(slow, [received({ sequence_number: '4', keep_alive: {} }), { type: 'tick' }], T0 + 481_000).state;
    expect([later.phase, later.sendBlockedSince]).toEqual(['ESTABLISHED', T0 + 400_000]);
    // A stream full since the handshake counts from then; other closes leave the queue to go out.
    const early = feed(responderAfterHello({ sendHoldTime: 5 }).state, [{ type: 'send-blocked' }], T0).state;
    const upLater = feed(early, [{ type: 'identity-found', keys: [new Uint8Array(32)], nonce: new Uint8Array(32) }, received({ sequence_number: '2', response: { signature: Buffer.alloc(64) } }), { type: 'verified', ok: true }], T0 + 1_000).state;
    expect(nextDeadline(upLater)).toBe(T0 + 5_000);
    expect(feed(upLater, [{ type: 'stop', reason: 'bye' }], T0 + 1_000).outputs.at(-1)).not.toHaveProperty('reset');
    // Or as configured.
    expect(nextDeadline(step(establishedResponder({ sendHoldTime: 5 }), { type: 'send-blocked' }, T0).state)).toBe(T0 + 5_000);
  });

  it('restarts the hold timer on every message received', () => {
    const later = step(establishedResponder(), received({ sequence_number: '3', keep_alive: {} }), T0 + 80_000).state;
    expect(later.deadline).toBe(T0 + 170_000);
    expect(step(later, { type: 'tick' }, T0 + 100_000).state.phase).toBe('ESTABLISHED');
  });

  it('fails a handshake that does not finish within the handshake timeout', () => {
    const { state } = responderAfterHello({ handshakeTimeoutMs: 5_000 });
    expect(step(state, { type: 'tick' }, T0 + 4_999).outputs).toEqual([]);
    expectRefused(feed(state, [{ type: 'tick' }], T0 + 5_000), NotificationCode.HOLD_TIMER_EXPIRED);
  });

  it('passes a well-formed RouteUpdate on to be logged, with the wire sequence_number and its routes as the check read them', () => {
    const update = { announcements: [{ patterns: [{ dtn: { authority_string: 'rover*.example.org', is_wildcard: true } }], ad_path: ['dsn.example.org', 'relay.example.net'], metric: 10 }] };
    const { outputs } = feed(establishedResponder(), [received({ sequence_number: '3', update })]);
    expect(outputs).toEqual([{ type: 'route-update', update: wire({ update }).update, routes: expect.objectContaining({ withdrawals: [] }), sequenceNumber: '3' }]);
    const routes = outputs[0]!.type === 'route-update' ? outputs[0]!.routes : undefined;
    expect(routes?.announcements).toMatchObject([{ patterns: ['dtn://rover*.example.org/**'], invalid: [], adPath: ['dsn.example.org', 'relay.example.net'], metric: 10 }]);
  });

  it.each([
    ['an invalid pattern', { patterns: [{ dtn: { authority_string: 'r*v*r.example.org', is_wildcard: true } }], ad_path: ['dsn.example.org'] }, NotificationCode.INVALID_PATTERN],
    ['an AD_PATH that does not start with the peer', { patterns: [{ ipn: { allocator_id: 1, node_id: 1 } }], ad_path: ['other.example.org'] }, NotificationCode.MALFORMED_ROUTE],
    ['an empty AD_PATH', { patterns: [{ ipn: { allocator_id: 1, node_id: 1 } }], ad_path: [] }, NotificationCode.MALFORMED_ROUTE],
    ['no patterns', { patterns: [], ad_path: ['dsn.example.org'] }, NotificationCode.MALFORMED_ROUTE],
  ])('refuses an announcement with %s', (_, advertisement, code) => {
    expectRefused(feed(establishedResponder(), [received({ sequence_number: '3', ...announcement(advertisement) })]), code);
  });

  it('refuses more patterns in one RouteUpdate than configured', () => {
    const patterns = Array.from({ length: 3 }, (_, i) => ({ ipn: { allocator_id: 1, node_id: i } }));
    const state = establishedResponder({ maxPatternsPerUpdate: 2 });
    expectRefused(feed(state, [received({ sequence_number: '3', ...announcement({ patterns, ad_path: ['dsn.example.org'] }) })]), NotificationCode.LIMIT_PATTERNS_PER_UPDATE);
  });

  it('refuses a sequence_number that does not increase, and accepts unnumbered messages', () => {
    const state = establishedResponder();
    expect(feed(state, [received({ sequence_number: '0', keep_alive: {} }), received({ sequence_number: '0', keep_alive: {} })]).state.phase).toBe('ESTABLISHED');
    expectRefused(feed(state, [received({ sequence_number: '2', keep_alive: {} })]), NotificationCode.SEQUENCE_ERROR);
  });

  it('refuses a peer that sends faster than its message rate', () => {
    const state = establishedResponder({ messageRate: { perSecond: 10, burst: 5 } });
    const flood = Array.from({ length: 10 }, (_, i) => received({ sequence_number: String(3 + i), keep_alive: {} }));
    expectRefused(feed(state, flood), NotificationCode.LIMIT_MESSAGE_RATE);
  });

  it('closes without answering when the peer sends an ERROR Notification, and only notes INFO', () => {
    const state = establishedResponder();
    const info = feed(state, [received({ sequence_number: '3', notification: { level: 'INFO', message: 'maintenance at 02:00' } })]);
    expect(info.state.phase).toBe('ESTABLISHED');
    expect(info.outputs).toEqual([{ type: 'notice', message: 'peer INFO: maintenance at 02:00 (code 0)' }]);
    const error = feed(state, [received({ sequence_number: '3', notification: { level: 'ERROR', code: 30, message: 'bye' } })]);
    expect(error.outputs).toEqual([{ type: 'closed', code: 30, reason: 'peer sent Notification 30: bye', byPeer: true }]);
  });

  it('closes without a Notification when the transport goes, and with its code when the shell refuses', () => {
    expect(feed(establishedResponder(), [{ type: 'transport-down', reason: 'reset' }]).outputs).toEqual([
      { type: 'closed', code: NotificationCode.NONE, reason: 'transport closed: reset', byPeer: true },
    ]);
    expectRefused(feed(establishedResponder(), [{ type: 'refuse', code: NotificationCode.LIMIT_MESSAGE_SIZE, reason: 'big' }]), NotificationCode.LIMIT_MESSAGE_SIZE);
    // Our transport ended it for our limit: our code and reason, by us, and nothing more can be sent.
    expect(feed(establishedResponder(), [{ type: 'transport-limit', code: NotificationCode.LIMIT_MESSAGE_SIZE, reason: 'a message of 9 bytes is over twice the limit of 4' }]).outputs).toEqual([
      { type: 'closed', code: NotificationCode.LIMIT_MESSAGE_SIZE, reason: 'a message of 9 bytes is over twice the limit of 4', byPeer: false },
    ]);
  });

  it('sends routes only when ESTABLISHED, numbered, and ignores results of its own work that come in the wrong phase', () => {
    const update = { announcements: [{ patterns: [{ ipn: { allocator_id: 1, node_id: 1 } }], ad_path: ['esa.example.org'] }] };
    const early = feed(responderAfterHello().state, [{ type: 'send-update', update }, { type: 'signed', signature: new Uint8Array(64) }]);
    expect(early.state.phase).toBe('HANDSHAKE_SENT');
    expect(early.outputs.map((o) => o.type)).toEqual(['notice', 'notice']);
    expect(sent(feed(establishedResponder(), [{ type: 'send-update', update }]).outputs)).toEqual([{ sequence_number: '3', update }]);
  });

  it('sends ADMINISTRATIVE_SHUTDOWN when stopped, and nothing at all once FAILED', () => {
    const stopped = feed(establishedResponder(), [{ type: 'stop', reason: 'operator' }]);
    expectRefused(stopped, NotificationCode.ADMINISTRATIVE_SHUTDOWN);
    expect(feed(stopped.state, [received({ keep_alive: {} }), { type: 'tick' }, { type: 'stop', reason: 'again' }]).outputs).toEqual([]);
    expect(nextDeadline(stopped.state)).toBeUndefined();
  });
});
