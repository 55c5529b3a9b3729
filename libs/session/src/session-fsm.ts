import { Result } from 'effect';
import { adName, type IdentityFailure } from '#libs/identity';
import type { PeerMessage, PeerMessage__Output } from '#libs/wire';
import { NotificationCode } from '#libs/wire';
import { checkRouteUpdate } from './route-update-check.ts';
import type { SessionConfig } from './session-config.ts';
import type { Phase, Role, SessionInput, SessionOutput, SessionState, Step } from './session-types.ts';

/**
 * The DPP session state machine of §8, both roles, as a pure function of (state, input, now).
 * docs/spec-notes.md §5.2, §7.2, §8.1, §8.2 say what each state means in each role and every
 * choice the draft leaves open. The shell performs the outputs (sends, DNS lookups, signing,
 * verification, logging) and feeds their results back as inputs.
 */

const NONCE_BYTES = { min: 16, max: 1024 } as const;
const SIGNATURE_BYTES = 64;
const SPEAKER_ID_MAX = 255;

/** A session whose transport is about to come up. An Initiator knows whom it dialled. */
export function initialSession(role: Role, config: SessionConfig, now: number, peerAd?: string): SessionState {
  return {
    role,
    phase: 'CONNECTING',
    config,
    peerAd,
    peerSpeakerId: undefined,
    holdTime: role === 'initiator' ? config.holdTimeOffer : undefined,
    nonce: undefined,
    keys: [],
    helloTolerated: false,
    sentSeq: 0n,
    receivedSeq: 0n,
    deadline: now + config.handshakeTimeoutMs,
    keepaliveDue: undefined,
    tokens: config.messageRate.burst,
    tokensAt: now,
    sendBlockedSince: undefined,
  };
}

/** When the shell must feed the next tick; undefined once the session is over. */
export const nextDeadline = (state: SessionState): number | undefined =>
  state.phase === 'FAILED' ? undefined : Math.min(state.deadline, state.keepaliveDue ?? Infinity, sendHoldDeadline(state) ?? Infinity);

export function step(state: SessionState, input: SessionInput, now: number): Step {
  if (state.phase === 'FAILED') return { state, outputs: [] };
  switch (input.type) {
    case 'transport-down':
      return closedByPeer(state, NotificationCode.NONE, `transport closed: ${input.reason}`);
    case 'transport-limit':
      return { state: { ...state, phase: 'FAILED', keepaliveDue: undefined }, outputs: [{ type: 'closed', code: input.code, reason: input.reason, byPeer: false }] };
    case 'stop':
      return fail(state, NotificationCode.ADMINISTRATIVE_SHUTDOWN, input.reason);
    case 'refuse':
      return fail(state, input.code, input.reason);
    case 'tick':
      return onTick(state, now);
    // Recorded in any phase (a full stream may outlast the handshake), held to the send hold time once ESTABLISHED.
    case 'send-blocked':
      return { state: state.sendBlockedSince === undefined ? { ...state, sendBlockedSince: now } : state, outputs: [] };
    case 'send-progress':
      return { state: state.sendBlockedSince === undefined ? state : { ...state, sendBlockedSince: now }, outputs: [] };
    case 'send-drained':
      return { state: { ...state, sendBlockedSince: undefined }, outputs: [] };
    case 'received':
      return onReceived(state, input.message, now);
    case 'transport-up':
      // The Initiator speaks first; a Responder waits for the Hello (docs §8.1).
      if (state.phase !== 'CONNECTING') return notice(state, `transport-up in ${state.phase} ignored`);
      return state.role === 'initiator' ? sendHello(state, now) : { state, outputs: [] };
    case 'identity-found':
      return expectLocal(state, 'responder', 'HANDSHAKE_SENT', input.type) ?? sendChallenge(state, input.keys, input.nonce, now);
    case 'identity-failed':
      return expectLocal(state, 'responder', 'HANDSHAKE_SENT', input.type) ?? fail(state, IDENTITY_CODES[input.reason], input.detail);
    case 'signed':
      return expectLocal(state, 'initiator', 'CHALLENGE_WAIT', input.type) ?? transmit({ ...state, phase: 'RESPONSE_SENT' }, { response: { signature: input.signature } }, now);
    case 'verified':
      return (
        expectLocal(state, 'responder', 'RESPONSE_SENT', input.type) ??
        (input.ok ? established(state, now) : fail(state, NotificationCode.BAD_SIGNATURE, `signature of the challenge verifies with none of the ${state.keys.length} keys published for ${state.peerAd}`))
      );
    case 'send-update':
      return state.phase === 'ESTABLISHED' ? transmit(state, { update: input.update }, now) : notice(state, `RouteUpdate not sent: session is ${state.phase}`);
    default:
      return input satisfies never;
  }
}

const IDENTITY_CODES: Record<IdentityFailure, NotificationCode> = {
  'dns-failure': NotificationCode.DNS_FAILURE,
  'dnssec-bogus': NotificationCode.DNSSEC_BOGUS,
  'dnssec-unsigned': NotificationCode.DNSSEC_UNSIGNED,
  'no-records': NotificationCode.NO_IDENTITY_RECORDS,
  'unsupported-algorithm': NotificationCode.UNSUPPORTED_ALGORITHM,
  'malformed-key': NotificationCode.MALFORMED_KEY,
};

/** A result of our own work that arrives in the wrong role or phase is a shell bug: noted, ignored. */
function expectLocal(state: SessionState, role: Role, phase: Phase, what: string): Step | undefined {
  return state.role === role && state.phase === phase ? undefined : notice(state, `${what} in ${state.role} ${state.phase} ignored`);
}

function onTick(state: SessionState, now: number): Step {
  if (now >= state.deadline) {
    const reason = state.phase === 'ESTABLISHED' ? `nothing received for the hold time of ${state.holdTime} s` : `handshake not done within ${state.config.handshakeTimeoutMs} ms (in ${state.phase})`;
    return fail(state, NotificationCode.HOLD_TIMER_EXPIRED, reason);
  }
  const sendHold = sendHoldDeadline(state);
  if (sendHold !== undefined && now >= sendHold) {
    return fail(state, NotificationCode.HOLD_TIMER_EXPIRED, `the peer took nothing we sent for ${(now - state.sendBlockedSince!) / 1000} s (send hold timer, RFC 9687)`, true);
  }
  if (state.keepaliveDue !== undefined && now >= state.keepaliveDue) return transmit(state, { keep_alive: {} }, now);
  return { state, outputs: [] };
}

/** What holds for every received message, whatever the state: rate, numbering, liveness, Notifications. */
function onReceived(state: SessionState, message: PeerMessage__Output, now: number): Step {
  const { perSecond, burst } = state.config.messageRate;
  const tokens = refill(state.tokens, state.tokensAt, now, state.config.messageRate);
  if (tokens < 1) return fail(state, NotificationCode.LIMIT_MESSAGE_RATE, `more than ${perSecond} messages/s (burst ${burst})`);
  const seq = BigInt(message.sequence_number || '0');
  if (seq !== 0n && seq <= state.receivedSeq) {
    return fail(state, NotificationCode.SEQUENCE_ERROR, `sequence_number ${seq} after ${state.receivedSeq}`);
  }
  const live: SessionState = {
    ...state,
    tokens: tokens - 1,
    tokensAt: now,
    receivedSeq: seq === 0n ? state.receivedSeq : seq,
    deadline: state.phase === 'ESTABLISHED' ? holdDeadline(state, now) : state.deadline,
  };
  if (message.payload === 'notification' && message.notification) {
    const { level, code, message: text } = message.notification;
    return level === 'ERROR' ? closedByPeer(live, code as NotificationCode, `peer sent Notification ${code}: ${text}`) : notice(live, `peer ${level}: ${text} (code ${code})`);
  }
  switch (live.phase) {
    case 'CONNECTING':
      return live.role === 'responder' && message.payload === 'hello' ? onHello(live, message) : unexpected(live, message);
    case 'HANDSHAKE_SENT':
      return live.role === 'initiator' ? onAwaitingChallenge(live, message) : unexpected(live, message);
    case 'CHALLENGE_WAIT':
      return live.role === 'responder' && message.payload === 'response' ? onResponse(live, message) : unexpected(live, message);
    case 'RESPONSE_SENT':
      return live.role === 'initiator' && (message.payload === 'keep_alive' || message.payload === 'update') ? onAcknowledged(live, message, now) : unexpected(live, message);
    case 'ESTABLISHED':
      if (message.payload === 'keep_alive') return { state: live, outputs: [] };
      return message.payload === 'update' ? onUpdate(live, message) : unexpected(live, message);
    case 'FAILED': // not reached (step returns first); named for the exhaustive check
      return { state: live, outputs: [] };
    default:
      return live.phase satisfies never;
  }
}

/** Responder, CONNECTING: §5.2 step 1, then step 2 (the lookup). */
function onHello(state: SessionState, message: PeerMessage__Output): Step {
  const hello = message.hello!;
  const ad = adName(hello.local_ad_id);
  if (Result.isFailure(ad)) return fail(state, NotificationCode.MALFORMED_MESSAGE, `Hello local_ad_id: ${ad.failure}`);
  const longId = speakerIdTooLong(state, hello.speaker_node_id);
  if (longId) return longId;
  const { peers, holdTimeRange: [min, max] } = state.config;
  // Never a peer, even accepting any AD: our own challenge, relayed to our own Initiator, would sign it (docs §5.2).
  if (ad.success === state.config.localAd) return fail(state, NotificationCode.PEER_NOT_CONFIGURED, `${ad.success} is our own AD`);
  if (peers !== 'any' && !peers.has(ad.success)) return fail(state, NotificationCode.PEER_NOT_CONFIGURED, `${ad.success} is not a configured peer`);
  if (state.config.disabled?.has(ad.success)) return fail(state, NotificationCode.ADMINISTRATIVE_SHUTDOWN, `${ad.success} is disabled here by an operator`);
  const hold = hello.hold_time_seconds;
  // 0 is BGP's "no hold timer", which a DPP session cannot do without (docs §8.2).
  if (hold === 0 || hold < min || hold > max) return fail(state, NotificationCode.UNACCEPTABLE_HOLD_TIME, `hold time ${hold} s is outside ${Math.max(min, 1)}–${max} s`);
  return {
    state: { ...state, phase: 'HANDSHAKE_SENT', peerAd: ad.success, peerSpeakerId: hello.speaker_node_id, holdTime: hold },
    outputs: [{ type: 'lookup-identity', ad: ad.success }],
  };
}

/** Initiator, HANDSHAKE_SENT: the challenge (§5.2 step 3), or once a Hello from a §8.1-literal Responder. */
function onAwaitingChallenge(state: SessionState, message: PeerMessage__Output): Step {
  if (message.payload === 'hello' && !state.helloTolerated) {
    const speakerId = message.hello!.speaker_node_id;
    return speakerIdTooLong(state, speakerId) ?? notice({ ...state, helloTolerated: true, peerSpeakerId: speakerId }, 'Responder sent a Hello (§8.1); ignored');
  }
  if (message.payload !== 'challenge') return unexpected(state, message);
  const nonce = message.challenge!.nonce;
  if (nonce.length < NONCE_BYTES.min || nonce.length > NONCE_BYTES.max) {
    return fail(state, NotificationCode.MALFORMED_MESSAGE, `challenge nonce of ${nonce.length} bytes (§5.2 wants at least ${NONCE_BYTES.min}, we take at most ${NONCE_BYTES.max})`);
  }
  return { state: { ...state, phase: 'CHALLENGE_WAIT' }, outputs: [{ type: 'sign', nonce: new Uint8Array(nonce) }] };
}

/** Responder, CHALLENGE_WAIT: §5.2 step 5 starts. */
function onResponse(state: SessionState, message: PeerMessage__Output): Step {
  const signature = new Uint8Array(message.response!.signature);
  if (signature.length !== SIGNATURE_BYTES) return fail(state, NotificationCode.BAD_SIGNATURE, `a signature of ${signature.length} bytes; ed25519 signatures are ${SIGNATURE_BYTES}`);
  return {
    state: { ...state, phase: 'RESPONSE_SENT' },
    outputs: [{ type: 'verify', nonce: state.nonce!, signature, keys: state.keys }],
  };
}

/** Initiator, RESPONSE_SENT: a KeepAlive or a RouteUpdate is the acknowledgment (docs §8.1). */
function onAcknowledged(state: SessionState, message: PeerMessage__Output, now: number): Step {
  const up = established(state, now);
  if (message.payload !== 'update') return up;
  const update = onUpdate(up.state, message);
  return { state: update.state, outputs: [...up.outputs, ...update.outputs] };
}

function onUpdate(state: SessionState, message: PeerMessage__Output): Step {
  const checked = checkRouteUpdate(message.update!, state.peerAd!, state.config);
  if ('refusal' in checked) return fail(state, checked.refusal.code, checked.refusal.reason);
  return { state, outputs: [{ type: 'route-update', update: message.update!, routes: checked.routes, sequenceNumber: message.sequence_number }] };
}

function sendHello(state: SessionState, now: number): Step {
  const { localAd, speakerId, holdTimeOffer } = state.config;
  return transmit({ ...state, phase: 'HANDSHAKE_SENT' }, { hello: { local_ad_id: localAd, speaker_node_id: speakerId, hold_time_seconds: holdTimeOffer } }, now);
}

function sendChallenge(state: SessionState, keys: readonly Uint8Array[], nonce: Uint8Array, now: number): Step {
  return transmit({ ...state, phase: 'CHALLENGE_WAIT', keys, nonce }, { challenge: { nonce } }, now);
}

/** Both roles: the session is up; the Responder's KeepAlive is the acknowledgment (docs §8.1). */
function established(state: SessionState, now: number): Step {
  const up: SessionState = { ...state, phase: 'ESTABLISHED', deadline: holdDeadline(state, now), keepaliveDue: keepaliveAt(state, now), nonce: undefined, keys: [] };
  const event: SessionOutput = { type: 'established', peerAd: state.peerAd!, peerSpeakerId: state.peerSpeakerId ?? '', holdTime: state.holdTime! };
  if (state.role === 'initiator') return { state: up, outputs: [event] };
  const ack = transmit(up, { keep_alive: {} }, now);
  return { state: ack.state, outputs: [...ack.outputs, event] };
}

/** Sends one message; sending anything postpones the next KeepAlive. */
function transmit(state: SessionState, payload: Omit<PeerMessage, 'sequence_number'>, now: number): Step {
  const sent = numbered(state, payload);
  const keepaliveDue = state.phase === 'ESTABLISHED' ? keepaliveAt(state, now) : undefined;
  return { state: { ...sent.state, keepaliveDue }, outputs: [sent.output] };
}

/** A message with the next sequence_number (docs §7.2). */
function numbered(state: SessionState, payload: Omit<PeerMessage, 'sequence_number'>): { state: SessionState; output: SessionOutput } {
  const sentSeq = state.sentSeq + 1n;
  return { state: { ...state, sentSeq }, output: { type: 'send', message: { sequence_number: String(sentSeq), ...payload } } };
}

function unexpected(state: SessionState, message: PeerMessage__Output): Step {
  if (message.payload === undefined) return fail(state, NotificationCode.MALFORMED_MESSAGE, 'a PeerMessage without a payload');
  return fail(state, NotificationCode.UNEXPECTED_MESSAGE, `${message.payload} is not allowed from the ${state.role === 'initiator' ? 'Responder' : 'Initiator'} in ${state.phase}`);
}

/** We end the session: a Notification (level ERROR) to the peer, then close. */
function fail(state: SessionState, code: NotificationCode, reason: string, reset?: true): Step {
  const notify = numbered(state, { notification: { level: 'ERROR', code, message: reason } });
  return { state: { ...notify.state, phase: 'FAILED', keepaliveDue: undefined }, outputs: [notify.output, { type: 'closed', code, reason, byPeer: false, ...(reset ? { reset } : {}) }] };
}

/** The peer or the transport ended it: nothing more can be sent. */
function closedByPeer(state: SessionState, code: NotificationCode, reason: string): Step {
  return { state: { ...state, phase: 'FAILED', keepaliveDue: undefined }, outputs: [{ type: 'closed', code, reason, byPeer: true }] };
}

/** §8.2: the hold timer runs from the last message received; KeepAlives go at a third of it. */
const holdDeadline = (state: SessionState, now: number): number => now + state.holdTime! * 1000;
const keepaliveAt = (state: SessionState, now: number): number => now + (state.holdTime! * 1000) / 3;
/** RFC 9687 for DPP: the peer must take something we wrote within the send hold time (docs §8.2). */
const sendHoldDeadline = (state: SessionState): number | undefined =>
  state.phase !== 'ESTABLISHED' || state.sendBlockedSince === undefined ? undefined : state.sendBlockedSince + (state.config.sendHoldTime ?? Math.max(480, 2 * state.holdTime!)) * 1000;

function speakerIdTooLong(state: SessionState, speakerId: string): Step | undefined {
  return speakerId.length > SPEAKER_ID_MAX ? fail(state, NotificationCode.MALFORMED_MESSAGE, `Hello speaker_node_id over ${SPEAKER_ID_MAX} characters`) : undefined;
}

/** A token bucket's tokens at `now`: `tokens` at `at`, refilled at `rate.perSecond` up to `rate.burst`. */
export const refill = (tokens: number, at: number, now: number, rate: { readonly perSecond: number; readonly burst: number }): number =>
  Math.min(rate.burst, tokens + ((now - at) / 1000) * rate.perSecond);

const notice = (state: SessionState, message: string): Step => ({ state, outputs: [{ type: 'notice', message }] });
