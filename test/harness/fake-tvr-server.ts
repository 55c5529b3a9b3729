import * as grpc from '@grpc/grpc-js';
import { loadTvrPackage } from '#libs/wire';

/** A TVR contact as the server decodes it. */
export interface TvrContactMessage {
  readonly eid_pattern: string;
  readonly via: string;
  readonly one_shot?: { readonly start?: { readonly seconds: string }; readonly end?: { readonly seconds: string } } | null;
  readonly bandwidth_bps?: string;
}

/**
 * Hardy's TVR session service as the proto describes it, for tests: each session opens, then
 * adds, removes and replaces contacts (identified by their content), and loses them all when its
 * stream ends, as Hardy withdraws a closed session's contacts. Written from proto/hardy/tvr/tvr.proto.
 */
export interface FakeTvr {
  readonly port: number;
  /** Sessions opened so far, by name. */
  readonly opened: string[];
  /** Requests received, by kind (`open`, `replace`, `add`, `remove`). */
  readonly requests: string[];
  /** The contacts the open sessions hold. */
  contacts(): TvrContactMessage[];
  stop(): Promise<void>;
}

const identity = (c: TvrContactMessage) => JSON.stringify([c.eid_pattern, c.via, c.one_shot?.start?.seconds ?? null, c.one_shot?.end?.seconds ?? null, c.bandwidth_bps ?? null]);

export async function startFakeTvr(port = 0, credentials = grpc.ServerCredentials.createInsecure()): Promise<FakeTvr> {
  const { tvr } = grpc.loadPackageDefinition(loadTvrPackage()) as unknown as { tvr: { Tvr: { service: grpc.ServiceDefinition } } };
  const server = new grpc.Server();
  const sessions = new Set<Map<string, TvrContactMessage>>();
  const opened: string[] = [];
  const requests: string[] = [];
  server.addService(tvr.Tvr.service, {
    Session: (call: grpc.ServerDuplexStream<Record<string, unknown>, Record<string, unknown>>) => {
      const held = new Map<string, TvrContactMessage>();
      sessions.add(held);
      call.on('data', (message: { msg_id: number; msg: string; open?: { name: string }; add?: { contacts: TvrContactMessage[] }; remove?: { contacts: TvrContactMessage[] }; replace?: { contacts: TvrContactMessage[] } }) => {
        requests.push(message.msg);
        switch (message.msg) {
          case 'open':
            opened.push(message.open!.name);
            call.write({ msg_id: message.msg_id, open: {} });
            break;
          case 'add':
            for (const c of message.add!.contacts) held.set(identity(c), c);
            call.write({ msg_id: message.msg_id, add: { added: message.add!.contacts.length, active: 0, skipped: 0 } });
            break;
          case 'remove': {
            const removed = message.remove!.contacts.filter((c) => held.delete(identity(c))).length;
            call.write({ msg_id: message.msg_id, remove: { removed } });
            break;
          }
          case 'replace':
            held.clear();
            for (const c of message.replace!.contacts) held.set(identity(c), c);
            call.write({ msg_id: message.msg_id, replace: { added: held.size, removed: 0, unchanged: 0 } });
            break;
          default:
            call.write({ msg_id: message.msg_id, status: { code: 3, message: `unknown request ${message.msg}` } });
        }
      });
      const close = () => sessions.delete(held);
      call.on('end', () => (close(), call.end()));
      call.on('cancelled', close);
      call.on('error', close);
    },
  });
  const bound = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${port}`, credentials, (error, p) => (error ? reject(error) : resolve(p))));
  return {
    port: bound,
    opened,
    requests,
    contacts: () => [...sessions].flatMap((held) => [...held.values()]),
    // As Hardy going away: its sessions cut, not drained.
    stop: async () => server.forceShutdown(),
  };
}
