import { serveStatus, type PeerDisabled } from '#libs/api';
import { randomUUID } from 'node:crypto';
import type { LogLine } from '#libs/log';
import { Registry, serveMetrics } from '#libs/metrics';
import { connectNats, natsReadiness } from '#libs/streams';
import { adToken, tableBucket } from '#libs/tables';
import { followAdjRibOut } from './adj-rib-out-feed.ts';
import { startHeartbeat } from './heartbeat.ts';
import { PeerEventLog } from './event-log.ts';
import { dialPeer } from './initiator-client.ts';
import type { PeerTarget, SpeakerConfig } from '#libs/service-config';
import { startResponder } from './responder-server.ts';
import type { SessionDeps, SessionHandle, SessionOutcome } from './session-runner.ts';
import { servePeers } from './peers-api.ts';
import { followPeerAdmin } from './peer-admin.ts';

/** What a reload changed, and what it could not (those need a restart). */
export interface ReloadReport {
  readonly added: readonly string[];
  /** Peers whose sessions were ended because the config no longer accepts them. */
  readonly removed: readonly string[];
  readonly redialled: readonly string[];
  /** Peers no longer dialled (still accepted when they dial us); their session we started ended. */
  readonly stoppedDialling: readonly string[];
  readonly needsRestart: readonly string[];
}

/**
 * One speaker's session service: the event log, a Responder when `listen` is set, a dialler for
 * every peer with an address, and /metrics when configured. `reload` applies a new config without
 * touching the sessions it does not concern: peers added are dialled, peers removed have their
 * sessions ended (ADMINISTRATIVE_RESET) and are no longer accepted, a peer whose address changed is
 * redialled, route limits apply to running sessions, and everything else new sessions take up.
 * A peer an operator disabled (peer-admin events in the log, dpp peer disable) is neither dialled
 * nor accepted, whatever the config says, until enabled again; its sessions end when it is disabled.
 */
export async function startSpeaker(config: SpeakerConfig, log: LogLine): Promise<{ port: number | undefined; reload(next: SpeakerConfig): ReloadReport; stop(): Promise<void> }> {
  for (const warning of config.warnings) log({ level: 'warn', msg: warning });
  const nc = await connectNats(config.natsUrl, `dpp-session ${config.session.speakerId}`);
  // An event holds a message's bytes as base64 (4/3) plus its envelope: it must fit a NATS payload.
  const largestEvent = Math.ceil(config.limits.maxMessageBytes / 3) * 4 + 4_096;
  const maxPayload = nc.info?.max_payload ?? 0;
  if (largestEvent > maxPayload) {
    await nc.close();
    throw new Error(`limits.max_message_bytes ${config.limits.maxMessageBytes} makes events of up to ${largestEvent} bytes, over the NATS server's max_payload ${maxPayload}: lower it, or raise max_payload (deploy/nats/single-node.conf)`);
  }
  const events = await PeerEventLog.open(nc, config.eventLog).catch(async (error: Error) => {
    await nc.close();
    throw error;
  });
  let live = config;
  let disabled: ReadonlyMap<string, PeerDisabled> = new Map();
  /** Applies a change of the disabled peers: set once the sessions and dialers it acts on exist. */
  let adminChanged: (before: ReadonlyMap<string, PeerDisabled>) => void = () => undefined;
  const admin = await followPeerAdmin(nc, config.eventLog, {
    log,
    onChange: (next) => {
      const before = disabled;
      disabled = next;
      adminChanged(before);
    },
  }).catch(async (error: Error) => {
    await nc.close();
    throw error;
  });
  const disabledReason = (ad: string) => `peer disabled by an operator (dpp peer disable)${disabled.get(ad)?.reason === undefined ? '' : `: ${disabled.get(ad)!.reason}`}`;
  let heartbeat: { beat(): void; stop(): Promise<void> } | undefined;
  const registry = new Registry();
  const counted = {
    'update-received': registry.counter('dpp_updates_received_total', 'RouteUpdates received, by peer AD', ['peer']),
    'routes-over-limit': registry.counter('dpp_routes_over_limit_total', 'Routes dropped over the route limit (§9.4), by peer AD', ['peer']),
    'event-logged': registry.counter('dpp_events_appended_total', 'Peer events the event log acknowledged, by peer AD', ['peer']),
  };
  const ended = registry.counter('dpp_session_ends_total', 'Sessions ended, by Notification code, whether they were ever established (established="false": a failed handshake) and by whom', ['code', 'established', 'by']);
  const framing = registry.counter('dpp_grpc_framing_errors_total', 'Peer streams ended with grpc-status INTERNAL for broken gRPC framing, by kind (compressed-flag, truncated)', ['kind']);
  /** Per peer AD, the last session end each way: the Notification we sent, and the one it sent (or its transport's end). */
  const lastEnds = new Map<string, { sent?: SessionOutcome; received?: SessionOutcome }>();
  const onOutcome = (outcome: SessionOutcome) => {
    ended.inc({ code: String(outcome.code), established: String(outcome.established), by: outcome.byPeer ? 'peer' : 'us' });
    if (outcome.peerAd !== undefined) lastEnds.set(outcome.peerAd, { ...lastEnds.get(outcome.peerAd), [outcome.byPeer ? 'received' : 'sent']: outcome });
  };
  const deps: SessionDeps = {
    key: config.key,
    get lookup() {
      return live.lookup;
    },
    events,
    log,
    now: Date.now,
    maxInFlight: config.maxInFlight,
    eventLogTimeoutMs: config.eventLogTimeoutMs,
    routeLimit: (peerAd) => live.routeLimit(peerAd),
    adjRibOut: (peerAd, send) => followAdjRibOut(nc, tableBucket(config.adjRibOutPrefix, adToken(peerAd)), send, { maxPatterns: live.session.maxPatternsPerUpdate, maxBytes: config.limits.maxMessageBytes, log }),
    count: (what, peerAd, n) => counted[what].inc({ peer: peerAd }, n),
    onEstablished: () => heartbeat?.beat(),
  };
  const connected = natsReadiness(nc);
  const responder = config.listen
    ? await startResponder({
        ...config.listen,
        tls: config.tls,
        // Read at each new session: a reload changes whom it accepts and how.
        // The disabled peers as they are when a Hello is read, not when its call came in.
        get config() {
          return { ...live.session, disabled: { has: (ad: string) => disabled.has(ad) } };
        },
        limits: config.limits,
        deps,
        onOutcome,
        onFramingError: (error) => framing.inc({ kind: error.kind }),
        ready: () => connected() === undefined,
      })
    : undefined;
  if (responder) log({ level: 'info', msg: 'listening', host: config.listen?.host, port: responder.port, ad: config.session.localAd });
  const dial = (peer: PeerTarget) => dialPeer(peer, config.tls, live.session, deps, { backoff: live.backoff, maxMessageBytes: config.limits.maxMessageBytes, onOutcome });
  const dialers = new Map<string, { peer: PeerTarget; dialer: ReturnType<typeof dial> }>();
  /** Dials each peer of `dial` that is not disabled, at its address: what that changed. */
  const reconcileDialers = (dialList: readonly PeerTarget[]) => {
    const wanted = new Map(dialList.filter((p) => !disabled.has(p.ad)).map((p) => [p.ad, p]));
    const redialled: string[] = [];
    const stoppedDialling: string[] = [];
    for (const [ad, { peer, dialer }] of dialers) {
      const now = wanted.get(ad);
      if (now?.address === peer.address) continue;
      dialers.delete(ad);
      void dialer.stop(now ? 'peer address changed in the configuration: dialling it anew' : disabled.has(ad) ? disabledReason(ad) : 'peer removed from the configuration');
      if (now) {
        dialers.set(ad, { peer: now, dialer: dial(now) });
        redialled.push(ad);
      } else stoppedDialling.push(ad);
    }
    const added = [...wanted.values()].filter((p) => !dialers.has(p.ad)).map((p) => p.ad);
    for (const ad of added) dialers.set(ad, { peer: wanted.get(ad)!, dialer: dial(wanted.get(ad)!) });
    return { added, redialled, stoppedDialling };
  };
  reconcileDialers(config.dial);
  /** What the dialers were made for: a change the admin follower brings before adminChanged is set is applied then. */
  const reconciledWith = disabled;
  log({ level: 'info', msg: 'session service running', ad: config.session.localAd, dialling: [...dialers.keys()], disabled: [...disabled.keys()] });

  const sessions = (): SessionHandle[] => [...(responder?.sessions() ?? []), ...[...dialers.values()].flatMap(({ dialer }) => dialer.session() ?? [])];
  const byPhase = registry.gauge('dpp_sessions', 'Sessions, by state (§8.1) and peer AD', ['state', 'peer']);
  const startTime = registry.gauge('dpp_session_start_time_seconds', 'When each peer AD\'s established session came up, seconds since the epoch (its uptime: time() minus this)', ['peer']);
  registry.collect(() => {
    byPhase.clear();
    startTime.clear();
    for (const s of sessions()) if (s.phase === 'ESTABLISHED' && s.peerAd !== undefined && s.establishedAt !== undefined) startTime.set(s.establishedAt / 1000, { peer: s.peerAd });
    const counts = new Map<string, { phase: string; peer: string; n: number }>();
    for (const s of sessions()) {
      const k = `${s.phase} ${s.peerAd}`;
      const c = counts.get(k) ?? { phase: s.phase, peer: s.peerAd ?? '', n: 0 };
      c.n++;
      counts.set(k, c);
    }
    for (const c of counts.values()) byPhase.set(c.n, { state: c.phase, peer: c.peer });
  });
  const metrics = await serveMetrics(registry, config.metrics, connected);
  const status = serveStatus(
    nc,
    { service: 'session', ad: config.session.localAd, adToken: adToken(config.session.localAd) },
    async () => ({ detail: { speakerId: config.session.speakerId, sessions: sessions().map((s) => `${s.peerAd ?? '(Hello not yet read)'} ${s.phase}`) } }),
    log,
  );
  const peersApi = servePeers(
    nc,
    { localAd: config.session.localAd, speakerId: config.session.speakerId },
    () => ({ config: live, sessions: sessions().map((s) => s.stats()), lastEnds, disabled }),
    (peer) => sessions().filter((s) => s.peerAd === peer),
    log,
  );
  adminChanged = (before) => {
    const nowDisabled = [...disabled.keys()].filter((ad) => !before.has(ad));
    const enabled = [...before.keys()].filter((ad) => !disabled.has(ad));
    if (nowDisabled.length === 0 && enabled.length === 0) return;
    const dialling = reconcileDialers(live.dial);
    const ended = sessions().filter((s) => s.peerAd !== undefined && disabled.has(s.peerAd));
    for (const s of ended) s.stop(disabledReason(s.peerAd!));
    log({ level: 'warn', msg: 'peers disabled or enabled by an operator', disabled: nowDisabled, enabled, sessionsEnded: ended.length, ...dialling });
  };
  adminChanged(reconciledWith);
  const instance = randomUUID();
  heartbeat = await startHeartbeat(
    nc,
    { ...config.liveness, replicas: config.eventLog.replicas ?? 1 },
    () => ({
      instance,
      speakerId: config.session.speakerId,
      sessions: sessions().flatMap((s) => (s.phase === 'ESTABLISHED' && s.peerAd !== undefined && s.peerSpeakerId !== undefined ? [{ sessionId: s.sessionId, peerAd: s.peerAd, peerSpeakerId: s.peerSpeakerId }] : [])),
    }),
    { lost: (reason) => sessions().forEach((s) => s.stop(`this session service lost the event log: ${reason}`)), log, now: Date.now },
  );

  return {
    port: responder?.port,
    reload: (next) => {
      const before = live;
      live = next;
      const accepts = (ad: string) => next.session.peers === 'any' || next.session.peers.has(ad);
      const { added, redialled, stoppedDialling } = reconcileDialers(next.dial);
      // A peer no longer accepted (removed, or let in only by accept_any_peer): its sessions end, whoever started them.
      const removed = new Set<string>();
      for (const s of sessions()) {
        if (s.peerAd === undefined || accepts(s.peerAd)) continue;
        removed.add(s.peerAd);
        s.stop('peer removed from the configuration');
      }
      const needsRestart = (['key', 'listen', 'tls', 'natsUrl', 'eventLog', 'limits', 'adjRibOutPrefix', 'metrics', 'liveness'] as const).filter((field) => JSON.stringify(before[field]) !== JSON.stringify(next[field]));
      const report = { added, removed: [...removed], redialled, stoppedDialling, needsRestart };
      log({ level: 'info', msg: 'config reloaded', ...report });
      return report;
    },
    stop: async () => {
      status.stop();
      peersApi.stop();
      await admin.stop();
      await metrics.stop();
      await Promise.all([responder?.stop(), ...[...dialers.values()].map(({ dialer }) => dialer.stop())]);
      await heartbeat?.stop();
      await nc.drain().catch(() => nc.close());
    },
  };
}
