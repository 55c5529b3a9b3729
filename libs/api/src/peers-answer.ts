import { Schema } from 'effect';
import type { Role } from '#libs/session';

// What the session service answers over NATS (`dpp.api.<ad>.session.peers` and `session.admin`,
// README "Live answers"): the requests and the answers, for the service that answers and the CLI
// and looking glass that ask.

/** A peers query: one peer AD, or every peer. */
export const PeersQuery = Schema.Struct({ peer: Schema.optional(Schema.String) });

/** An operator's action on a peer's sessions here (dpp peer reset|refresh). */
export const PeerAction = Schema.Struct({ peer: Schema.String, action: Schema.Literals(['reset', 'refresh']), reason: Schema.optional(Schema.String) });

export interface PeerActionAnswer {
  readonly speakerId: string;
  /** The sessions with the peer it acted on. */
  readonly sessions: number;
}

/** A session end as the API tells it. */
export interface SessionEnd {
  readonly code: number;
  readonly reason: string;
  readonly at: number;
  readonly established: boolean;
}

/** One peer AD as this session service sees it (BIRD's `show protocols all`, GoBGP's `neighbor X`). */
export interface PeerView {
  readonly peer: string;
  /** Whether we dial it (and where) or it dials us. */
  readonly dial: string | undefined;
  readonly accepted: boolean;
  /** Whether an operator disabled it (dpp peer disable): then it is neither dialled nor accepted. */
  readonly disabled: PeerDisabled | undefined;
  /** Its sessions here now: one established, or one being set up. */
  readonly sessions: readonly SessionStats[];
  readonly lastNotificationSent: SessionEnd | undefined;
  readonly lastNotificationReceived: SessionEnd | undefined;
}

export interface PeersAnswer {
  readonly speakerId: string;
  readonly peers: readonly PeerView[];
}

/** A session's state and counters, as its runner keeps them and the API tells them. */
export interface SessionStats {
  readonly sessionId: string;
  readonly role: Role;
  readonly state: string;
  readonly peerAd: string | undefined;
  readonly peerSpeakerId: string | undefined;
  /** The other side's address as the transport sees it. */
  readonly address: string | undefined;
  readonly establishedAt: number | undefined;
  /** The hold time agreed (s), once established. */
  readonly holdTime: number | undefined;
  readonly messagesIn: number;
  readonly messagesOut: number;
  readonly updatesIn: number;
  readonly updatesOut: number;
  /** Routes announced (patterns) and withdrawn, each way. */
  readonly routesIn: number;
  readonly withdrawnIn: number;
  readonly routesOut: number;
  readonly withdrawnOut: number;
  readonly routesOverLimit: number;
  /** The other side's TLS certificate: its subject's CN and subjectAltName. */
  readonly tlsIdentity: string | undefined;
  /** The SVCB key (base64) whose signature proved the peer's identity (§5.2). */
  readonly svcbKey: string | undefined;
}

/** An operator's disable of a peer (dpp peer disable), as the peer log holds it. */
export interface PeerDisabled {
  readonly at: number;
  readonly reason: string | undefined;
}
