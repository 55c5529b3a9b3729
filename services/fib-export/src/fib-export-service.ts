import { ribStreams } from '#libs/events';
import { serveStatus } from '#libs/api';
import { Registry, serveMetrics } from '#libs/metrics';
import { connectNats, ensureStream, natsReadiness } from '#libs/streams';
import { adToken, tableMetrics } from '#libs/tables';
import type { FibExportConfig } from '#libs/service-config';
import { startFibExport } from './fib-exporter.ts';
import { startHardyFeed } from './hardy-feed.ts';

/** The FIB-export service: its own NATS connection (reconnecting for ever) around the exporter. */
export async function startFibExportService(config: FibExportConfig, log: (line: Record<string, unknown>) => void): Promise<{ stop(): Promise<void> }> {
  const nc = await connectNats(config.natsUrl, 'dpp-fib-export');
  try {
    // The RIB may not have run yet: the change stream is made as it would make it, and followed from its start.
    await ensureStream(nc, ribStreams(config).locRib);
    const registry = new Registry();
    const metrics = tableMetrics(registry, 'fib', nc, config.locRib, { name: 'gateway', of: (table) => table });
    const exporter = await startFibExport(nc, { changeStream: config.locRib, gateways: config.gateways, bucketPrefix: config.bucketPrefix, batch: config.batch, replicas: config.replicas, log, onPublished: metrics.onPublished });
    metrics.attach(exporter);
    const feeds = await Promise.all([...config.hardy].map(([gateway, target]) => startHardyFeed(nc, { gateway, bucketPrefix: config.bucketPrefix, target, registry, log })));
    const connected = natsReadiness(nc);
    const endpoint = await serveMetrics(registry, config.metrics, connected);
    const status = serveStatus(nc, { service: 'fib-export', ad: config.localAd, adToken: adToken(config.localAd) }, async () => ({ detail: { gateways: Object.fromEntries(exporter.positions()) } }), log);
    log({ level: 'info', msg: 'FIB export running', gateways: config.gateways.map((g) => g.name), buckets: config.gateways.map((g) => `${config.bucketPrefix}-${g.name}`), hardy: [...config.hardy.keys()] });
    return {
      stop: async () => {
        status.stop();
        await endpoint.stop();
        for (const feed of feeds) await feed.stop();
        await exporter.stop();
        await nc.drain().catch(() => nc.close());
      },
    };
  } catch (error) {
    await nc.close();
    throw error;
  }
}
