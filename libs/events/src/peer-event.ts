import { Schema, type Result } from 'effect';
import { decodeJson } from './decode-json.ts';

const Kind = Schema.Literals(['session-up', 'route-update', 'session-down']);

/**
 * A peer input event as the session service appends it to the log (docs/spec-notes.md, the event
 * log), version 1. Readers decode it with validation: an event that does not decode is not applied.
 */
export const PeerEventV1 = Schema.Struct({
  v: Schema.Literal(1),
  kind: Kind,
  sessionId: Schema.String,
  /** The event's place in its session, from 1: the order consumers are to apply a session's events in. */
  n: Schema.Int,
  speakerId: Schema.String,
  peerAd: Schema.String,
  peerSpeakerId: Schema.String,
  /** ms since the epoch, from the session service's clock. */
  receivedAt: Schema.Finite,
  /** route-update: the wire sequence_number and the PeerMessage bytes, base64. */
  sequenceNumber: Schema.optional(Schema.String),
  message: Schema.optional(Schema.String),
  /** session-up: the hold time; session-down: the Notification code and reason. */
  holdTime: Schema.optional(Schema.Int),
  code: Schema.optional(Schema.Int),
  reason: Schema.optional(Schema.String),
  /**
   * route-update: routes the session dropped because the peer went over its route limit (§9.4,
   * action drop): the limit, and each route by pattern (canonical text) and window start.
   */
  overLimit: Schema.optional(Schema.Struct({ limit: Schema.Int, routes: Schema.Array(Schema.Struct({ pattern: Schema.String, validFrom: Schema.optional(Schema.Finite) })) })),
});

export type PeerEvent = typeof PeerEventV1.Type;

/**
 * A policy version taking effect (docs/spec-notes.md §9.3, policy versions), version 1: logged
 * among the peer events, so it applies to every peer event after it, in log order, and replay
 * meets it where it took effect. `policy` is the config's `policy:` section as written.
 */
export const PolicyEventV1 = Schema.Struct({
  v: Schema.Literal(1),
  kind: Schema.Literal('policy'),
  /** A hash of the policy: a version logged again unchanged changes nothing. */
  version: Schema.String,
  at: Schema.Finite,
  policy: Schema.Unknown,
});

export type PolicyEvent = typeof PolicyEventV1.Type;

/**
 * An operator disabling or enabling a peer AD (dpp peer disable|enable), version 1: logged among
 * the peer events, on a subject of its own per peer, so a session service finds the last one
 * of each peer when it starts and follows them after. A disabled peer is neither dialled nor
 * accepted, at every session service of the speaker, until it is enabled again.
 */
export const PeerAdminEventV1 = Schema.Struct({
  v: Schema.Literal(1),
  kind: Schema.Literal('peer-admin'),
  peerAd: Schema.String,
  action: Schema.Literals(['disable', 'enable']),
  reason: Schema.optional(Schema.String),
  at: Schema.Finite,
});

export type PeerAdminEvent = typeof PeerAdminEventV1.Type;

/** The subject an event is logged on: `<prefix>.<kind>.<peer AD, dots as _>`. */
export const peerEventSubject = (prefix: string, event: { readonly kind: PeerEvent['kind'] | PeerAdminEvent['kind']; readonly peerAd: string }): string => `${prefix}.${event.kind}.${event.peerAd.replaceAll('.', '_')}`;

/** The subjects of every peer's admin events: the last on each is the peer's state. */
export const peerAdminSubjects = (prefix: string): string => `${prefix}.peer-admin.>`;

/** The subject policy versions are logged on, beside the peer events: `<prefix>.policy`. */
export const policyEventSubject = (prefix: string): string => `${prefix}.policy`;

/** Decodes a logged event's JSON; an error says which field is wrong, for the quarantine log line. */
export const decodePeerEvent = (json: string): Result.Result<PeerEvent, string> => decodeJson(PeerEventV1, json);

/** An event of the peer log: a peer's, a policy version, or an operator's action on a peer. */
export const LoggedEventV1 = Schema.Union([PeerEventV1, PolicyEventV1, PeerAdminEventV1]);
export type LoggedEvent = PeerEvent | PolicyEvent | PeerAdminEvent;
export const decodeLoggedEvent = (json: string): Result.Result<LoggedEvent, string> => decodeJson(LoggedEventV1, json);
