import type { NatsConnection } from '@nats-io/transport-node';
import { encodeHeartbeat, type SpeakerHeartbeat } from '#libs/events';
import type { LogLine } from '#libs/log';
import type { Streams } from '#libs/config';
import { openLivenessBucket } from '#libs/streams';

/**
 * A session service's heartbeat (README, "Sites"): every `intervalMs` it writes its established
 * sessions under its instance id in the liveness bucket, and at once when a session comes up.
 * Should it stay unable to write for half of `deadAfterMs`, it calls `lost`: the service ends its
 * sessions itself before others take it for dead and log their end while it still runs them.
 */
export async function startHeartbeat(
  nc: NatsConnection,
  liveness: Streams['liveness'] & { readonly replicas: number },
  self: () => SpeakerHeartbeat,
  options: { lost: (reason: string) => void; log: LogLine; now: () => number },
): Promise<{ beat(): void; stop(): Promise<void> }> {
  const kv = await openLivenessBucket(nc, liveness, liveness.replicas);
  let lastWritten = options.now();
  let lostSaid = false;
  const beat = () => {
    const now = self();
    kv.put(now.instance, encodeHeartbeat(now)).then(
      () => {
        lastWritten = options.now();
        lostSaid = false;
      },
      (error: Error) => {
        const silent = options.now() - lastWritten;
        if (silent < liveness.deadAfterMs / 2 || lostSaid) return;
        lostSaid = true;
        options.log({ level: 'error', msg: 'liveness heartbeat not written; ending every session before others take this service for dead', silentMs: silent, error: error.message });
        options.lost(`no heartbeat written for ${silent} ms`);
      },
    );
  };
  const timer = setInterval(beat, liveness.intervalMs);
  beat();
  return {
    beat,
    stop: async () => {
      clearInterval(timer);
      // Stopped cleanly: its sessions logged their own end.
      await kv.delete(self().instance).catch(() => undefined);
    },
  };
}
