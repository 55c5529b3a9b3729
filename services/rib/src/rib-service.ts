import { ribStreams, ribSubjects } from '#libs/events';
import { jetstreamManager } from '@nats-io/jetstream';
import { LATENCY_BUCKETS, Registry, serveMetrics } from '#libs/metrics';
import { connectNats, ensureStream, natsReadiness } from '#libs/streams';
import { CheckpointStore } from './checkpoint-store.ts';
import type { RibConfig } from '#libs/service-config';
import { serveRibApi } from './rib-api.ts';
import { startRib } from './rib-runner.ts';


/**
 * The RIB service: the RIB loop over the RIB input the policy service writes. It creates its two
 * streams when missing (the policy service does too: neither waits for the other).
 */
export async function startRibService(config: RibConfig, log: (line: Record<string, unknown>) => void): Promise<{ stop(): Promise<void> }> {
  const nc = await connectNats(config.natsUrl, `dpp-rib ${config.localAd}`);
  const subjects = ribSubjects(config);
  let store: CheckpointStore | undefined;
  try {
    store = CheckpointStore.open(config.checkpoint);
    await ensureStream(nc, ribStreams(config).input);
    await ensureStream(nc, ribStreams(config).locRib);
    const registry = new Registry();
    const applied = registry.counter('dpp_rib_events_applied_total', 'RIB input events applied (and checkpointed)');
    const changed = registry.counter('dpp_rib_changes_total', 'Loc-RIB changes published');
    const batches = registry.histogram('dpp_rib_batch_seconds', 'Time to apply a batch, publish its changes and checkpoint it (projection apply latency)', LATENCY_BUCKETS);
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
      onBatch: ({ events, changes, seconds }) => {
        applied.inc({}, events);
        changed.inc({}, changes);
        batches.observe(seconds);
      },
    });
    const routes = registry.gauge('dpp_rib_routes', 'Routes the RIB holds');
    const best = registry.gauge('dpp_rib_best_routes', 'Loc-RIB best routes, by the peer AD they were learned from', ['peer']);
    const loops = registry.counter('dpp_rib_loops_dropped_total', 'Routes dropped because our AD was on their AD_PATH (§5.3), since the RIB\'s checkpoint began');
    const lag = registry.gauge('dpp_rib_input_lag_events', 'RIB input events not yet applied (consumer lag)');
    /** The most the RIB's own count has been: the counter goes up by what it adds past it (a RIB reloaded from its checkpoint after a failed batch counts that batch's again). */
    let loopsCounted = 0;
    /** RIB input events not yet applied. */
    const inputLag = async () => Math.max(0, (await (await jetstreamManager(nc)).streams.info(config.ribInput)).state.last_seq - rib.rib().lastSeq);
    registry.collect(async () => {
      const now = rib.rib();
      routes.set(now.size);
      if (now.loopsDropped > loopsCounted) loops.inc({}, now.loopsDropped - loopsCounted);
      loopsCounted = Math.max(loopsCounted, now.loopsDropped);
      best.clear();
      const byPeer = new Map<string, number>();
      for (const [, route] of now.entries()) byPeer.set(route.peerAd, (byPeer.get(route.peerAd) ?? 0) + 1);
      for (const [peer, n] of byPeer) best.set(n, { peer });
      lag.set(await inputLag());
    });
    const api = serveRibApi(nc, config.localAd, rib.rib, rib.durable, inputLag, log);
    const connected = natsReadiness(nc);
    const openStore = store;
    const metrics = await serveMetrics(registry, config.metrics, () => connected() ?? (openStore.isOpen ? undefined : 'checkpoint closed'));
    return {
      stop: async () => {
        api.stop();
        await metrics.stop();
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
