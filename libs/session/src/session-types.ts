import type { IdentityFailure } from '#libs/identity';
import type { PeerMessage, PeerMessage__Output, RouteUpdate, RouteUpdate__Output, UpdateRoutes } from '#libs/wire';
import type { NotificationCode } from '#libs/wire';
import type { SessionConfig } from './session-config.ts';

/** §8.1; what each means in each role: docs/spec-notes.md §8.1. */
export type Phase = 'CONNECTING' | 'HANDSHAKE_SENT' | 'CHALLENGE_WAIT' | 'RESPONSE_SENT' | 'ESTABLISHED' | 'FAILED';

export type Role = 'initiator' | 'responder';

export interface SessionState {
  readonly role: Role;
  readonly phase: Phase;
  readonly config: SessionConfig;
  /** The peer's AD: configured for an Initiator, from the Hello for a Responder. */
  readonly peerAd: string | undefined;
  readonly peerSpeakerId: string | undefined;
  /** Seconds; fixed by the Initiator's offer (docs §8.2). */
  readonly holdTime: number | undefined;
  /** The challenge we sent (Responder) and the keys it must be signed with. */
  readonly nonce: Uint8Array | undefined;
  readonly keys: readonly Uint8Array[];
  /** Whether the Initiator already let one Hello from the Responder pass (docs §8.1). */
  readonly helloTolerated: boolean;
  /** Last sequence_number sent, and last nonzero one received (docs §7.2). */
  readonly sentSeq: bigint;
  readonly receivedSeq: bigint;
  /** Deadlines (ms, the clock passed in): end of handshake or hold time; next KeepAlive. */
  readonly deadline: number;
  readonly keepaliveDue: number | undefined;
  /** Message-rate token bucket (§9.4). */
  readonly tokens: number;
  readonly tokensAt: number;
  /**
   * While our stream is full: since when the peer has taken nothing we wrote (the last progress).
   * The send hold timer runs from it, once ESTABLISHED.
   */
  readonly sendBlockedSince: number | undefined;
}

/** What the shell feeds in. Randomness and crypto results arrive as inputs too, so a replay is exact. */
export type SessionInput =
  /** The transport (TLS, HTTP/2 stream) is up: the session starts. */
  | { readonly type: 'transport-up' }
  | { readonly type: 'received'; readonly message: PeerMessage__Output }
  /** Responder: the identity lookup of §5.2 step 2 finished; `nonce` is fresh from the CSPRNG. */
  | { readonly type: 'identity-found'; readonly keys: readonly Uint8Array[]; readonly nonce: Uint8Array }
  | { readonly type: 'identity-failed'; readonly reason: IdentityFailure; readonly detail: string }
  /** Initiator: the nonce is signed (§5.2 step 4). */
  | { readonly type: 'signed'; readonly signature: Uint8Array }
  /** Responder: verification against the published keys finished (§5.2 step 5). */
  | { readonly type: 'verified'; readonly ok: boolean }
  /** We have routes to send (ESTABLISHED only). */
  | { readonly type: 'send-update'; readonly update: RouteUpdate }
  /** The clock moved: deadlines are checked. */
  | { readonly type: 'tick' }
  /**
   * Our stream is full (flow control); while it is, the peer took one more of our messages
   * (progress); it is empty again (drained).
   */
  | { readonly type: 'send-blocked' }
  | { readonly type: 'send-progress' }
  | { readonly type: 'send-drained' }
  /** A limit the shell measures (message size, connections) was exceeded. */
  | { readonly type: 'refuse'; readonly code: NotificationCode; readonly reason: string }
  | { readonly type: 'transport-down'; readonly reason: string }
  /** Our transport ended the stream for a limit of ours, past the point a Notification could go (a message over twice max_message_bytes). */
  | { readonly type: 'transport-limit'; readonly code: NotificationCode; readonly reason: string }
  /** The operator stops the session. */
  | { readonly type: 'stop'; readonly reason: string };

/** What the shell must do, in order. */
export type SessionOutput =
  | { readonly type: 'send'; readonly message: PeerMessage }
  /** Responder: look up `_dtn_domain.<ad>` (then feed identity-found / identity-failed). */
  | { readonly type: 'lookup-identity'; readonly ad: string }
  /** Initiator: sign the nonce with our key (then feed signed). */
  | { readonly type: 'sign'; readonly nonce: Uint8Array }
  /** Responder: try the signature against every key (then feed verified). */
  | { readonly type: 'verify'; readonly nonce: Uint8Array; readonly signature: Uint8Array; readonly keys: readonly Uint8Array[] }
  /** The session is up: log a session-up event. */
  | { readonly type: 'established'; readonly peerAd: string; readonly peerSpeakerId: string; readonly holdTime: number }
  /** A RouteUpdate to append to the event log (its bytes) before anything acts on it, with its routes as the check read them. */
  | { readonly type: 'route-update'; readonly update: RouteUpdate__Output; readonly routes: UpdateRoutes; readonly sequenceNumber: string }
  /** Something worth a log line that changes nothing (a tolerated Hello, an INFO Notification). */
  | { readonly type: 'notice'; readonly message: string }
  /**
   * The session is over: close the stream and log a session-down event. `reset`: the peer takes
   * nothing we send, so what is queued (our Notification too) is dropped with the stream at once.
   */
  | { readonly type: 'closed'; readonly code: NotificationCode; readonly reason: string; readonly byPeer: boolean; readonly reset?: true };

export interface Step {
  readonly state: SessionState;
  readonly outputs: readonly SessionOutput[];
}
