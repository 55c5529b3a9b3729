import { HOT_PATH } from '#libs/streams';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_SVC_PARAMS, lookupDtnIdentity } from '#libs/identity';
import { Result } from 'effect';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { DEFAULT_LIMITS } from '#libs/service-config';
import { startPeeringLab } from '../../test/harness/peering-lab.ts';
import { figure, type Figure } from '../lib/figure.ts';
import { startNatsServer } from '#libs/lab';

const US = 'us.example.test';
const PEER = 'dsn.example.test';

/**
 * Handshakes: sessions established per second, each a TLS 1.3 connection, a gRPC stream, the
 * Hello, the SVCB lookup of the peer's key through a DNSSEC-validating resolver (the DNS lab), the
 * ed25519 challenge and its verification, and the session-up event in JetStream; `concurrency`
 * peers at once, each closed once up. Beside it, bare SVCB lookups through the same resolver.
 */
export async function handshakes(count: number, concurrency: number, runs: number): Promise<Figure> {
  const nats = await startNatsServer();
  const lab = await startPeeringLab(US, PEER);
  const nc = await connect({ ...HOT_PATH, servers: nats.url });
  try {
    const events = await PeerEventLog.open(nc, { stream: 'PEERS', subjectPrefix: 'peers' });
    // The connection limits are §9.4 defences; here they would measure themselves.
    const responder = await lab.responder(events, { limits: { ...DEFAULT_LIMITS, connectionRate: { perSecond: 1e6, burst: 1e6 } } });
    const rate = async (one: () => Promise<unknown>): Promise<number> => {
      const start = performance.now();
      let next = 0;
      await Promise.all(Array.from({ length: concurrency }, async () => {
        while (next++ < count) await one();
      }));
      return count / ((performance.now() - start) / 1000);
    };
    const established: number[] = [];
    const lookups: number[] = [];
    for (let r = 0; r < runs; r++) {
      established.push(await rate(async () => (await lab.establishedPeer(responder.port)).close()));
      lookups.push(await rate(async () => Result.getOrThrow(await lookupDtnIdentity(PEER, { resolvers: [lab.dns.resolver], requireDnssec: true, timeoutMs: 2_000, params: DEFAULT_SVC_PARAMS }))));
    }
    await responder.stop();
    return figure({
      name: `Handshakes, ${count} sessions, ${concurrency} at once`,
      unit: 'sessions/s',
      measured: { name: 'TLS + gRPC + Hello + SVCB (DNSSEC) + ed25519 → ESTABLISHED', runs: established },
      baseline: { name: 'bare SVCB lookups, same resolver', runs: lookups },
      targets: {},
      notes: { sessions: count, concurrency },
    });
  } finally {
    await nc.close();
    await nats.stop();
    await lab.stop();
  }
}
