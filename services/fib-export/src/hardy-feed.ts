import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { NatsConnection } from '@nats-io/transport-node';
import { hardyRouteOf, tvrRequestsOf, type FibEntry, type HardyRoute, type TvrContactsVerb } from '#libs/fib-export';
import { GatewayFib } from '#libs/gateway-client';
import type { Registry } from '#libs/metrics';
import { keyOf } from '#libs/tables';
import { loadTvrPackage } from '#libs/wire';
import type { HardyTarget } from '#libs/service-config';

interface SessionCall {
  write(message: unknown): boolean;
  on(event: 'data', listener: (message: ServerMessage) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  on(event: 'end' | 'close', listener: () => void): void;
  end(): void;
  cancel(): void;
}

interface ServerMessage {
  readonly msg_id: number;
  readonly msg: 'status' | 'open' | 'add' | 'remove' | 'replace';
  readonly status?: { readonly code: number; readonly message: string };
}

const timestamp = (ms: number) => ({ seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 });

/** A route as the proto's Contact: a one-shot schedule only when it has a window. */
function contactOf(route: HardyRoute): Record<string, unknown> {
  const window = route.start === undefined && route.end === undefined ? {} : { one_shot: { ...(route.start === undefined ? {} : { start: timestamp(route.start) }), ...(route.end === undefined ? {} : { end: timestamp(route.end) }) } };
  return { eid_pattern: route.pattern, via: route.via, ...window, ...(route.bandwidthBps === undefined ? {} : { bandwidth_bps: route.bandwidthBps }) };
}

const BACKOFF_MS = { first: 500, most: 30_000 };

/**
 * Keeps a Hardy instance's contacts equal to a gateway's FIB over Hardy's TVR session service
 * (proto/hardy/tvr/tvr.proto): on each (re)connection the session is opened and the whole table
 * sent as one replace, then the changes that arrive together as one remove of what was sent for
 * their keys and one add of their new routes. A lost stream is opened again with exponential backoff (Hardy withdraws a
 * session's contacts when its stream ends, and the replace restores them). Routes Hardy cannot
 * take are logged once each and not sent. Metrics: `dpp_hardy_connected{gateway}`,
 * `dpp_hardy_contacts{gateway}` (held by the session as sent), `dpp_hardy_sessions_total{gateway}`,
 * `dpp_hardy_refused_total{gateway}` (requests Hardy answered with an error status).
 */
export async function startHardyFeed(
  nc: NatsConnection,
  options: { readonly gateway: string; readonly bucketPrefix: string; readonly target: HardyTarget; readonly registry?: Registry; readonly log: (line: Record<string, unknown>) => void },
): Promise<{ stop(): Promise<void> }> {
  const { gateway, target, log } = options;
  const Tvr = (grpc.loadPackageDefinition(loadTvrPackage()) as unknown as { tvr: { Tvr: grpc.ServiceClientConstructor } }).tvr.Tvr;
  const credentials = target.tls
    ? grpc.credentials.createSsl(readFileSync(target.tls.ca), target.tls.key === undefined ? null : readFileSync(target.tls.key), target.tls.cert === undefined ? null : readFileSync(target.tls.cert))
    : grpc.credentials.createInsecure();
  const client = new Tvr(target.address, credentials);
  const metrics = {
    connected: options.registry?.gauge('dpp_hardy_connected', 'Whether the TVR session to the gateway\'s Hardy is open (1) or not (0)', ['gateway']),
    contacts: options.registry?.gauge('dpp_hardy_contacts', 'Contacts the TVR session holds, as sent', ['gateway']),
    sessions: options.registry?.counter('dpp_hardy_sessions_total', 'TVR sessions opened to the gateway\'s Hardy', ['gateway']),
    refused: options.registry?.counter('dpp_hardy_refused_total', 'TVR requests Hardy answered with an error status', ['gateway']),
  };
  const labels = { gateway };

  /** What the open session holds, by table key: what a change removes. */
  const sent = new Map<string, Record<string, unknown>>();
  const refusedOnce = new Set<string>();
  let call: SessionCall | undefined;
  let open = false;
  let msgId = 0;
  let stopped = false;
  let backoff = BACKOFF_MS.first;
  let retry: NodeJS.Timeout | undefined;

  const routeOf = (entry: FibEntry): Record<string, unknown> | undefined => {
    const mapped = hardyRouteOf(entry);
    if ('route' in mapped) return contactOf(mapped.route);
    if (!refusedOnce.has(mapped.why)) log({ level: 'warn', msg: 'route not sent to Hardy', gateway, why: mapped.why });
    refusedOnce.add(mapped.why);
    return undefined;
  };
  const send = (msg: 'open' | TvrContactsVerb, body: Record<string, unknown>) => call?.write({ msg_id: ++msgId, [msg]: body });
  const sendContacts = (verb: TvrContactsVerb, contacts: readonly Record<string, unknown>[]) => {
    for (const part of tvrRequestsOf(verb, contacts)) send(part.verb, { contacts: part.contacts });
  };
  const countContacts = () => metrics.contacts?.set(sent.size, labels);

  /** Keys changed since the last flush, each with the contact Hardy held for it before. */
  const changed = new Map<string, Record<string, unknown> | undefined>();
  let flushSoon: NodeJS.Immediate | undefined;
  /** The changes that arrived together as one remove and one add: a session loss of a million routes is a few requests, not a million. */
  function flush(): void {
    flushSoon = undefined;
    const removed: Record<string, unknown>[] = [];
    const added: Record<string, unknown>[] = [];
    for (const [key, before] of changed) {
      const after = sent.get(key);
      // Changed in the FIB but not as Hardy sees it (a route's table key rewritten, an announcement again): nothing to tell.
      if (before !== undefined && after !== undefined && JSON.stringify(before) === JSON.stringify(after)) continue;
      if (before !== undefined) removed.push(before);
      if (after !== undefined) added.push(after);
    }
    changed.clear();
    if (removed.length > 0) sendContacts('remove', removed);
    if (added.length > 0) sendContacts('add', added);
    countContacts();
  }

  const fib = await GatewayFib.open(nc, {
    gateway,
    bucketPrefix: options.bucketPrefix,
    onError: (error) => log({ level: 'warn', msg: 'gateway table message skipped', gateway, error }),
    onChange: ({ pattern, validFrom, entry }) => {
      if (!open) return; // the replace at the next session opening carries it
      const key = keyOf(pattern, validFrom);
      // What Hardy held for the key before this batch of changes: a key changed twice in it is removed once.
      if (!changed.has(key)) changed.set(key, sent.get(key));
      const after = entry === undefined ? undefined : routeOf(entry);
      if (after === undefined) sent.delete(key);
      else sent.set(key, after);
      flushSoon ??= setImmediate(flush);
    },
  });

  const replaceAll = () => {
    changed.clear();
    sent.clear();
    for (const entry of fib.entries()) {
      const contact = routeOf(entry);
      if (contact !== undefined) sent.set(keyOf(entry.pattern, entry.validFrom), contact);
    }
    sendContacts('replace', [...sent.values()]);
    countContacts();
  };

  const connect = () => {
    retry = undefined;
    if (stopped) return;
    const session = (client as unknown as { Session(): SessionCall }).Session();
    call = session;
    let ended = false;
    const lost = (why: string) => {
      if (ended) return;
      ended = true;
      if (call === session) call = undefined;
      open = false;
      metrics.connected?.set(0, labels);
      if (stopped) return;
      log({ level: 'warn', msg: 'Hardy TVR session lost; reconnecting', gateway, address: target.address, why, inMs: backoff });
      retry = setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, BACKOFF_MS.most);
    };
    session.on('data', (message) => {
      if (message.msg === 'open') {
        open = true;
        backoff = BACKOFF_MS.first;
        metrics.connected?.set(1, labels);
        metrics.sessions?.inc(labels);
        replaceAll();
        log({ level: 'info', msg: 'Hardy TVR session open; table sent', gateway, address: target.address, contacts: sent.size });
      } else if (message.msg === 'status' && message.status && message.status.code !== 0) {
        metrics.refused?.inc(labels);
        log({ level: 'warn', msg: 'Hardy refused a TVR request', gateway, msgId: message.msg_id, code: message.status.code, message: message.status.message });
      }
    });
    session.on('error', (error) => lost(error.message));
    session.on('end', () => lost('stream ended'));
    session.on('close', () => lost('stream closed'));
    send('open', { name: `dpp-${gateway}`, default_priority: target.priority });
  };
  metrics.connected?.set(0, labels);
  connect();

  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      if (flushSoon) clearImmediate(flushSoon);
      call?.end();
      call?.cancel();
      client.close();
      await fib.close();
    },
  };
}
