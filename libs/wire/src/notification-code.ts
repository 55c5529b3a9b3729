/** Notification `code` values (docs/spec-notes.md, Notification codes); the draft defines none. */
export const NotificationCode = {
  NONE: 0,
  HOLD_TIMER_EXPIRED: 1,
  UNEXPECTED_MESSAGE: 2,
  MALFORMED_MESSAGE: 3,
  INVALID_PATTERN: 4,
  MALFORMED_ROUTE: 5,
  SEQUENCE_ERROR: 6,
  UNACCEPTABLE_HOLD_TIME: 7,
  PEER_NOT_CONFIGURED: 8,
  DNS_FAILURE: 10,
  DNSSEC_BOGUS: 11,
  DNSSEC_UNSIGNED: 12,
  NO_IDENTITY_RECORDS: 13,
  UNSUPPORTED_ALGORITHM: 14,
  MALFORMED_KEY: 15,
  BAD_SIGNATURE: 16,
  TLS_IDENTITY_MISMATCH: 17,
  LIMIT_SESSIONS: 20,
  LIMIT_CONNECTION_RATE: 21,
  LIMIT_MESSAGE_SIZE: 22,
  LIMIT_MESSAGE_RATE: 23,
  LIMIT_PATTERNS_PER_UPDATE: 24,
  LIMIT_ROUTES: 25,
  ADMINISTRATIVE_SHUTDOWN: 30,
  ADMINISTRATIVE_RESET: 31,
  EVENT_LOG_UNAVAILABLE: 32,
} as const;

export type NotificationCode = (typeof NotificationCode)[keyof typeof NotificationCode];

/**
 * The ways a session can end after which its routes may be kept as stale for `restart_time_ms`
 * (a peer restarting, or out of reach for a while: the disruption DTN expects). After any other
 * code, the peer misbehaved or was refused (a route limit, a malformed message), and its routes go
 * at once: otherwise a peer torn down over its route limit would keep them, and add more with
 * each new session.
 */
export const ROUTES_OUTLIVE: ReadonlySet<number> = new Set([
  NotificationCode.NONE,
  NotificationCode.HOLD_TIMER_EXPIRED,
  NotificationCode.ADMINISTRATIVE_SHUTDOWN,
  NotificationCode.ADMINISTRATIVE_RESET,
  NotificationCode.EVENT_LOG_UNAVAILABLE,
]);
