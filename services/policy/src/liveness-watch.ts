import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodeHeartbeat, decodeLoggedEvent, peerEventSubject, type PeerEvent } from '#libs/events';
import type { Streams } from '#libs/config';
import type { LogLine } from '#libs/log';
import { NotificationCode } from '#libs/wire';
import { lastPerSubject, openLivenessBucket, readLog } from '#libs/streams';
import { FIRST_CHECK, silentServices } from './liveness-verdict.ts';

/** The watcher's own key in the liveness bucket: it writes it to learn the servers' time. */
const CLOCK_KEY = '_clock';

/**
 * Watches the session services' heartbeats (README, "Sites"). Every interval it writes a key of its
 * own and reads back the time the servers stored it at, then the time each service's last
 * heartbeat was stored: a service whose last heartbeat is older than `deadAfterMs` by the servers'
 * own clock is dead (neither the sites' clocks nor this watcher's view of the stream matter; while
 * the cluster takes no write, or the follower below is behind the watcher's own writes, nothing
 * is judged, and after that, or when this watcher started, every service has `deadAfterMs` to be
 * heard of again: liveness-verdict.ts). For each session it last said it had, a
 * session-down is logged on its behalf (id `<sessionId>-lost`, the same from every replica), so
 * the RIB drops those routes (or keeps them stale, as after any lost transport), and its key is
 * removed. Only that site's peers lose their routes. The heartbeats are read from one long-lived
 * follower of the bucket (lastPerSubject), not listed at every check: a listing is a consumer of
 * its own each time, and at one check every 2 s they left about 150 consumers per bucket waiting
 * to expire, which a NATS restart then had to restore.
 */
export async function startLivenessWatch(
  nc: NatsConnection,
  streams: Pick<Streams, 'peerEvents' | 'peerSubjectPrefix' | 'liveness' | 'replicas'>,
  options: { log: LogLine },
): Promise<{ stop(): Promise<void> }> {
  const { liveness } = streams;
  const kv = await openLivenessBucket(nc, liveness, streams.replicas);
  const heartbeats = lastPerSubject(nc, `KV_${liveness.bucket}`, `$KV.${liveness.bucket}.`, { log: options.log });
  const js = jetstream(nc);
  /** The session of the last session-up logged for this neighbor (a peer AD and its speaker). */
  const latestSession = async (peerAd: string, peerSpeakerId: string): Promise<string | undefined> => {
    let latest: string | undefined;
    for await (const m of readLog(nc, streams.peerEvents, undefined, peerEventSubject(streams.peerSubjectPrefix, { kind: 'session-up', peerAd }))) {
      const e = decodeLoggedEvent(m.string());
      if (Result.isSuccess(e) && e.success.kind === 'session-up' && e.success.peerSpeakerId === peerSpeakerId) latest = e.success.sessionId;
    }
    return latest;
  };
  let checking = false;
  let clock = FIRST_CHECK;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      await kv.put(CLOCK_KEY, '');
      const now = (await kv.get(CLOCK_KEY))?.created.getTime();
      if (now === undefined) return;
      const verdict = silentServices(clock, now, heartbeats.entries, { clockKey: CLOCK_KEY, ...liveness });
      clock = verdict.clock;
      for (const { instance, value, silentMs: silent } of verdict.silent) {
        const beat = decodeHeartbeat(value);
        if (Result.isFailure(beat)) {
          options.log({ level: 'error', msg: 'heartbeat skipped: not a v1 heartbeat', instance, error: beat.failure });
          continue;
        }
        for (const s of beat.success.sessions) {
          // The neighbor may have a session again already (the service restarted, the peer went to the other
          // site): its routes are that session's now, and must not go with the old one.
          if ((await latestSession(s.peerAd, s.peerSpeakerId)) !== s.sessionId) continue;
          const event: PeerEvent = {
            v: 1,
            kind: 'session-down',
            sessionId: s.sessionId,
            // After anything the session itself logged.
            n: Number.MAX_SAFE_INTEGER,
            speakerId: beat.success.speakerId,
            peerAd: s.peerAd,
            peerSpeakerId: s.peerSpeakerId,
            receivedAt: now,
            code: NotificationCode.NONE,
            reason: `session service ${instance} (${beat.success.speakerId}) not heard of for ${silent} ms`,
          };
          await js.publish(peerEventSubject(streams.peerSubjectPrefix, event), JSON.stringify(event), { msgID: `${s.sessionId}-lost` });
        }
        await kv.delete(instance);
        options.log({ level: 'warn', msg: 'session service lost: its sessions logged as ended', instance, speakerId: beat.success.speakerId, sessions: beat.success.sessions.map((s) => s.peerAd), silentMs: silent });
      }
    } catch (error) {
      options.log({ level: 'warn', msg: 'liveness check not done; trying again', error: (error as Error).message });
    } finally {
      checking = false;
    }
  };
  let current = Promise.resolve();
  const timer = setInterval(() => void (current = check()), liveness.intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await current;
      await heartbeats.close();
    },
  };
}
