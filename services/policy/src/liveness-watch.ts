import { jetstream, StorageType } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodeHeartbeat, peerEventSubject, type PeerEvent, type SpeakerHeartbeat } from '#libs/events';
import type { Streams } from '#libs/config';
import type { LogLine } from '#libs/log';
import { followTable, type TableFollower } from '#libs/tables';
import { NotificationCode } from '#libs/wire';

/**
 * Watches the session services' heartbeats (README, "Sites"). A service not heard of for
 * `deadAfterMs` (by this watcher's own clock, so the sites' clocks do not matter) is dead: for each
 * session it last said it had, a session-down is logged on its behalf (id `<sessionId>-lost`, the
 * same from every replica), so the RIB drops those routes (or keeps them stale, as after any lost
 * transport), and its key is removed. Only that site's peers lose their routes.
 */
export async function startLivenessWatch(
  nc: NatsConnection,
  streams: Pick<Streams, 'peerSubjectPrefix' | 'liveness' | 'replicas'>,
  options: { log: LogLine; now: () => number },
): Promise<{ stop(): Promise<void> }> {
  const { liveness } = streams;
  const kv = await new Kvm(nc).create(liveness.bucket, { history: 1, storage: StorageType.File, replicas: streams.replicas, ttl: liveness.deadAfterMs * 6 });
  const heard = new Map<string, { beat: SpeakerHeartbeat; at: number }>();
  const follower: TableFollower = await followTable(nc, liveness.bucket, ({ key, value }) => {
    if (value === undefined) return void heard.delete(key);
    const beat = decodeHeartbeat(value);
    if (Result.isSuccess(beat)) heard.set(key, { beat: beat.success, at: options.now() });
    else options.log({ level: 'error', msg: 'heartbeat skipped: not a v1 heartbeat', key, error: beat.failure });
  });
  const js = jetstream(nc);
  let checking = false;
  const check = async () => {
    if (checking) return;
    checking = true;
    try {
      for (const [instance, { beat, at }] of heard) {
        const silent = options.now() - at;
        if (silent <= liveness.deadAfterMs) continue;
        for (const s of beat.sessions) {
          const event: PeerEvent = {
            v: 1,
            kind: 'session-down',
            sessionId: s.sessionId,
            // After anything the session itself logged.
            n: Number.MAX_SAFE_INTEGER,
            speakerId: beat.speakerId,
            peerAd: s.peerAd,
            peerSpeakerId: s.peerSpeakerId,
            receivedAt: options.now(),
            code: NotificationCode.NONE,
            reason: `session service ${instance} (${beat.speakerId}) not heard of for ${silent} ms`,
          };
          await js.publish(peerEventSubject(streams.peerSubjectPrefix, event), JSON.stringify(event), { msgID: `${s.sessionId}-lost` });
        }
        await kv.delete(instance);
        heard.delete(instance);
        options.log({ level: 'warn', msg: 'session service lost: its sessions logged as ended', instance, speakerId: beat.speakerId, sessions: beat.sessions.map((s) => s.peerAd), silentMs: silent });
      }
    } catch (error) {
      options.log({ level: 'warn', msg: 'liveness check failed; trying again', error: (error as Error).message });
    } finally {
      checking = false;
    }
  };
  const timer = setInterval(() => void check(), liveness.intervalMs);
  return {
    stop: async () => {
      clearInterval(timer);
      await follower.close();
    },
  };
}
