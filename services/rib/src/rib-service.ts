import { connect } from '@nats-io/transport-node';
import { ensureStream } from '#libs/streams';
import { CheckpointStore } from './checkpoint-store.ts';
import { startImportStage } from './import-stage.ts';
import type { RibConfig } from './rib-config.ts';
import { startRib } from './rib-runner.ts';

/** Subjects inside the RIB's two streams (the peer events' stream is the session service's). */
export const ribSubjects = (config: RibConfig) => ({
  input: `${config.ribInput.toLowerCase()}.>`,
  verdict: `${config.ribInput.toLowerCase()}.verdict`,
  clock: `${config.ribInput.toLowerCase()}.clock`,
  locRib: `${config.locRib.toLowerCase()}.>`,
  change: `${config.locRib.toLowerCase()}.change`,
});

/**
 * The RIB service: the import stage (pass-through until the policy service) and the RIB loop. It
 * creates its own two streams when missing; the peer events' stream is the session service's,
 * and until that exists the import stage waits for it.
 */
export async function startRibService(config: RibConfig, log: (line: Record<string, unknown>) => void): Promise<{ stop(): Promise<void> }> {
  const nc = await connect({ servers: config.natsUrl, maxReconnectAttempts: -1, name: `dpp-rib ${config.localAd}` });
  const subjects = ribSubjects(config);
  let store: CheckpointStore | undefined;
  let importer: { stop(): Promise<void> } | undefined;
  try {
    store = CheckpointStore.open(config.checkpoint);
    await ensureStream(nc, { name: config.ribInput, subjects: [subjects.input], duplicateWindowMs: 120_000 });
    await ensureStream(nc, { name: config.locRib, subjects: [subjects.locRib], duplicateWindowMs: 120_000 });
    importer = await startImportStage(nc, { peerStream: config.peerEvents, ribStream: config.ribInput, ribSubject: subjects.verdict, restartMs: config.restartMs, batch: config.batch, policy: config.policy, log });
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
    const [openStore, running] = [store, importer];
    return {
      stop: async () => {
        await running.stop();
        await rib.stop();
        openStore.close();
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (error) {
    await importer?.stop();
    store?.close();
    await nc.close();
    throw error;
  }
}
