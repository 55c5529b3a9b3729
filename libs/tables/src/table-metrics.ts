import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Registry } from '#libs/metrics';

/**
 * The metrics of a table exporter (`kind`: fib, adj_rib_out): deltas published per table, and each
 * table's lag behind the Loc-RIB change stream (change messages not yet applied), read at scrape.
 * A table is labelled by what it is for, as every other metric names it (`label`: the gateway, or
 * the peer AD, from the table's name). Give `onPublished` to the exporter, then `attach` the
 * running exporter.
 */
export function tableMetrics(registry: Registry, kind: string, nc: NatsConnection, changeStream: string, label: { readonly name: 'gateway' | 'peer'; readonly of: (table: string) => string }) {
  const labels = (table: string) => ({ [label.name]: label.of(table) });
  const deltas = registry.counter(`dpp_${kind}_deltas_total`, `Deltas published, by ${label.name}`, [label.name]);
  const lag = registry.gauge(`dpp_${kind}_lag_messages`, `Loc-RIB change messages not yet applied, by ${label.name}`, [label.name]);
  let positions: () => ReadonlyMap<string, number | undefined> = () => new Map();
  registry.collect(async () => {
    const last = (await (await jetstreamManager(nc)).streams.info(changeStream)).state.last_seq;
    lag.clear();
    for (const [table, position] of positions()) lag.set(Math.max(0, last - (position ?? 0)), labels(table));
  });
  return {
    onPublished: (table: string, n: number) => deltas.inc(labels(table), n),
    attach: (running: { positions(): ReadonlyMap<string, number | undefined> }) => void (positions = () => running.positions()),
  };
}
