import { connect } from '@nats-io/transport-node';
import type { LogLine } from '#libs/log';
import { adToken, tableBucket } from '#libs/tables';
import { followAdjRibOut } from './adj-rib-out-feed.ts';
import { PeerEventLog } from './event-log.ts';
import { dialPeer } from './initiator-client.ts';
import { startResponder } from './responder-server.ts';
import type { SessionDeps } from './session-runner.ts';
import type { SpeakerConfig } from './speaker-config.ts';

/**
 * One speaker's session service: the event log, a Responder when `listen` is set, and a dialler
 * for every peer with an address. Returns how to stop it (Notifications to every peer first).
 */
export async function startSpeaker(config: SpeakerConfig, log: LogLine): Promise<{ port: number | undefined; stop(): Promise<void> }> {
  for (const warning of config.warnings) log({ level: 'warn', msg: warning });
  const nc = await connect({ servers: config.natsUrl, maxReconnectAttempts: -1, name: `dpp-session ${config.session.speakerId}` });
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
  const deps: SessionDeps = {
    key: config.key,
    lookup: config.lookup,
    events,
    log,
    now: Date.now,
    maxInFlight: config.maxInFlight,
    eventLogTimeoutMs: config.eventLogTimeoutMs,
    routeLimit: config.routeLimit,
    adjRibOut: (peerAd, send) => followAdjRibOut(nc, tableBucket(config.adjRibOutPrefix, adToken(peerAd)), send, { maxPatterns: config.session.maxPatternsPerUpdate, maxBytes: config.limits.maxMessageBytes, log }),
  };
  const responder = config.listen
    ? await startResponder({ ...config.listen, tls: config.tls, config: config.session, limits: config.limits, deps })
    : undefined;
  if (responder) log({ level: 'info', msg: 'listening', host: config.listen?.host, port: responder.port, ad: config.session.localAd });
  log({ level: 'info', msg: 'session service running', ad: config.session.localAd, dialling: config.dial.map((p) => p.ad) });
  const dialers = config.dial.map((peer) => dialPeer(peer, config.tls, config.session, deps, { backoff: config.backoff, maxMessageBytes: config.limits.maxMessageBytes }));
  return {
    port: responder?.port,
    stop: async () => {
      await Promise.all([responder?.stop(), ...dialers.map((d) => d.stop())]);
      await nc.drain().catch(() => nc.close());
    },
  };
}
