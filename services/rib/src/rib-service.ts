import { connect } from '@nats-io/transport-node';
import { ribStreams, ribSubjects } from '#libs/events';
import { ensureStream } from '#libs/streams';
import { CheckpointStore } from './checkpoint-store.ts';
import type { RibConfig } from './rib-config.ts';
import { startRib } from './rib-runner.ts';


/**
 * The RIB service: the RIB loop over the RIB input the policy service writes. It creates its two
 * streams when missing (the policy service does too: neither waits for the other).
 */
export async function startRibService(config: RibConfig, log: (line: Record<string, unknown>) => void): Promise<{ stop(): Promise<void> }> {
  const nc = await connect({ servers: config.natsUrl, maxReconnectAttempts: -1, name: `dpp-rib ${config.localAd}` });
  const subjects = ribSubjects(config);
  let store: CheckpointStore | undefined;
  try {
    store = CheckpointStore.open(config.checkpoint);
    await ensureStream(nc, ribStreams(config).input);
    await ensureStream(nc, ribStreams(config).locRib);
    const rib = await startRib(nc, store, {
      localAd: config.localAd,
      inputStream: config.ribInput,
      clockSubject: subjects.clock,
      changeSubject: subjects.change,
      changeStream: config.locRib,
      batch: config.batch,
      catchUpMs: config.catchUpMs,
      now: Date.now,
      log,
    });
    const openStore = store;
    return {
      stop: async () => {
        await rib.stop();
        openStore.close();
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (error) {
    store?.close();
    await nc.close();
    throw error;
  }
}
