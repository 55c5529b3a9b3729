import { connect } from '@nats-io/transport-node';
import { GatewayFib } from '#libs/gateway-client';
import { gatewayTable } from '#libs/fib-export';
import { startNatsServer } from '#libs/lab';
import { attributesOf, type RibAdvertisement } from '#libs/rib';
import { HOT_PATH, readLog } from '#libs/streams';
import { snapshotStream, TableWriter, type TableDelta } from '#libs/tables';
import { figure, type Figure } from '../lib/figure.ts';

/** Patterns per advertisement, as a full-table load sends them: the table holds one value for each run. */
const PER_ADVERTISEMENT = 100;

/**
 * A gateway's start (or restart) on a full table: `GatewayFib.open` on the latest snapshot of a
 * table of `n` entries as the FIB export writes it (one value per advertisement of 100 patterns;
 * nine in ten patterns exact ipn nodes, the rest dtn names), until it holds them all, entries/s.
 * Beside it: a bare ordered read of the same snapshot messages, doing nothing with them.
 */
export async function gatewayLoad(n: number, runs: number): Promise<Figure> {
  const nats = await startNatsServer();
  const nc = await connect({ ...HOT_PATH, servers: nats.url });
  try {
    const writer = await TableWriter.open(nc, 'fib-gw', { compactAfter: Number.MAX_SAFE_INTEGER, log: () => undefined });
    const target = gatewayTable({ name: 'gw', fromPeers: undefined, schemes: undefined });
    for (let at = 0; at < n; at += 10 * PER_ADVERTISEMENT) {
      const deltas: TableDelta[] = [];
      for (let i = at; i < Math.min(n, at + 10 * PER_ADVERTISEMENT); i++) {
        const pattern = i % 10 === 9 ? `dtn://node${i}.site${i % 97}.example.org/**` : `ipn:${i % 1000}.${i}.*`;
        const id = Math.floor(i / PER_ADVERTISEMENT);
        // The change that made it is the event that brought its advertisement: one value for all its patterns.
        deltas.push({ key: pattern, value: target.entryOf(pattern, advertisement(id), id + 1)! });
      }
      await writer.append([{ id: `load-${at}`, deltas }]);
    }
    await writer.compact();
    const loads: number[] = [];
    const reads: number[] = [];
    for (let r = 0; r < runs; r++) {
      let start = performance.now();
      let messages = 0;
      for await (const m of readLog(nc, snapshotStream('fib-gw'))) messages += m.data.length > 0 ? 1 : 0;
      reads.push(n / ((performance.now() - start) / 1000));
      if (messages === 0) throw new Error('the snapshot stream is empty');
      start = performance.now();
      const fib = await GatewayFib.open(nc, { gateway: 'gw', bucketPrefix: 'fib' });
      loads.push(fib.size / ((performance.now() - start) / 1000));
      const size = fib.size;
      await fib.close();
      if (size !== n) throw new Error(`the gateway holds ${size} of ${n} entries`);
    }
    return figure({
      name: `Gateway load, ${n} entries from the table's snapshot`,
      unit: 'entries/s',
      measured: { name: 'GatewayFib.open until it holds every entry', runs: loads },
      baseline: { name: 'ordered read of the same snapshot messages', runs: reads },
      targets: {},
      notes: { entries: n, patternsPerValue: PER_ADVERTISEMENT },
    });
  } finally {
    await nc.close();
    await nats.stop();
  }
}

const advertisement = (id: number): RibAdvertisement => ({
  neighbor: `n${id % 4}.example.org dtn://speaker`,
  peerAd: `n${id % 4}.example.org`,
  ...attributesOf({ adPath: [`n${id % 4}.example.org`, 'origin.example.org'], metric: id % 3, transitive: [] }),
  receivedSeq: id + 1,
  index: 0,
});
