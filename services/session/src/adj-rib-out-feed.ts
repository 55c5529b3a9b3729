import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { decodeExportedRoute } from '#libs/events';
import type { LogLine } from '#libs/log';
import type { ExportedRoute } from '#libs/rib';
import { AdjRibOut, type UpdateLimits } from '#libs/session';
import { canonicalKey, canonicalKeys, followTable, type TableFollower } from '#libs/tables';
import type { RouteUpdate } from '#libs/wire';

const RETRY_MS = 1_000;

/**
 * Sends one established session's peer its Adj-RIB-Out, as the policy service keeps it in the
 * peer's table (libs/tables): the whole table first, then every change, batched into RouteUpdates of at most
 * `maxPatterns` patterns and `maxBytes` bytes (a batch ends when the table has nothing more pending), no faster than
 * the peer reads them. While the table
 * does not exist yet (no policy service has run for this peer), it waits for it; after an outage
 * the table is followed again and only what differs from what was sent goes out.
 */
export function followAdjRibOut(nc: NatsConnection, bucket: string, send: (update: RouteUpdate) => Promise<void>, options: UpdateLimits & { log: LogLine }): { refresh(): void; stop(): void } {
  let sent = new AdjRibOut();
  let pending = new Map<string, ExportedRoute | undefined>();
  let running = true;
  let follower: TableFollower | undefined;
  let wake: () => void = () => undefined;
  /** Sends what is pending; it waits while the peer's stream is full, which stops the table being read meanwhile. */
  const flush = async () => {
    const { updates, tooLarge } = sent.updatesFor(pending, options, Date.now());
    pending = new Map();
    if (tooLarge.length > 0) options.log({ level: 'warn', msg: 'routes too large for one RouteUpdate not sent', bucket, patterns: tooLarge.slice(0, 10), count: tooLarge.length, maxBytes: options.maxBytes });
    for (const update of updates) await send(update);
  };
  void (async () => {
    let missing = false;
    while (running) {
      try {
        follower = await followTable(nc, bucket, async ({ key, value, revision, pending: more }) => {
          const route = value === undefined ? undefined : decodeExportedRoute(value);
          // By the key of this layout: a route whose key of an older layout is replaced by its new one (a table rebuilt) is sent again, not withdrawn.
          const canonical = canonicalKey(key);
          if (canonical === undefined || (route !== undefined && Result.isFailure(route))) {
            options.log({ level: 'error', msg: 'Adj-RIB-Out entry skipped: not a v1 exported route', bucket, revision, error: route && Result.isFailure(route) ? route.failure : `key ${key}` });
          } else pending.set(canonical, route?.success);
          if (more === 0 || pending.size >= options.maxPatterns) await flush();
        }, {
          // Away past a compaction: what the peer holds and the snapshot does not is withdrawn.
          onResync: async (keys) => {
            const held = canonicalKeys(keys);
            for (const key of sent.keys()) if (!held.has(key)) pending.set(key, undefined);
            await flush();
          },
          replace: sent.size > 0,
          onCorrupt: (seq, error) => options.log({ level: 'error', msg: 'Adj-RIB-Out message skipped: not a v1 table message', bucket, seq, error }),
        });
        if (!running) await follower.close();
        missing = false;
        await follower.ended;
      } catch (error) {
        if (!missing) options.log({ level: 'info', msg: 'no Adj-RIB-Out for this peer yet; waiting for the policy service', bucket, error: (error as Error).message });
        missing = true;
      }
      if (running) await new Promise<void>((resolve) => ((wake = resolve), setTimeout(resolve, RETRY_MS)));
    }
  })();
  return {
    // The whole table sent again (an operator's dpp peer refresh): read from the start as if nothing had gone out.
    refresh: () => {
      sent = new AdjRibOut();
      pending = new Map();
      void follower?.close();
    },
    stop: () => {
      running = false;
      wake();
      void follower?.close();
    },
  };
}
