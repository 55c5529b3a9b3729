import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { apiSubject, decodeRequest, serveEndpoint, serveStatus } from '#libs/api';
import { answerRoutes, RoutesQuery } from '#libs/audit';
import type { LocRib } from '#libs/rib';
import { adToken } from '#libs/tables';

/**
 * The RIB's endpoints: `rib.routes` (replicas share it: one answers) and `status` (every service
 * of the speaker answers it). The sorted pattern list is made again only when the RIB moved.
 */
export function serveRibApi(nc: NatsConnection, localAd: string, rib: () => LocRib, durable: () => number, lag: () => Promise<number>, log: (line: Record<string, unknown>) => void): { stop(): void } {
  let sorted: { seq: number; rib: LocRib; patterns: readonly string[] } | undefined;
  const patterns = (now: LocRib) => {
    if (sorted === undefined || sorted.rib !== now || sorted.seq !== now.lastSeq) sorted = { seq: now.lastSeq, rib: now, patterns: now.patterns() };
    return sorted.patterns;
  };
  const token = adToken(localAd);
  const routes = serveEndpoint(nc, apiSubject(token, 'rib.routes'), {
    queue: 'rib',
    decode: decodeRequest(RoutesQuery, 'a routes query'),
    answer: (query: RoutesQuery) => {
      const now = rib();
      return Result.getOrElse(answerRoutes(now, patterns(now), query), (failure) => {
        throw new Error(failure);
      });
    },
    log,
  });
  const status = serveStatus(nc, { service: 'rib', ad: localAd, adToken: token }, async () => ({ lag: await lag(), detail: { lastSeq: rib().lastSeq, appliedThrough: durable(), routes: rib().size, clock: rib().now } }), log);
  return {
    stop: () => {
      routes.stop();
      status.stop();
    },
  };
}
