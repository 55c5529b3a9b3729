import { DeliverPolicy, jetstreamManager, type ConsumerMessages } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { apiSubject, ask, askAll } from '#libs/api';
import { parseEid } from '#libs/eid';
import { decodeLocRibChanges, decodeRibInput } from '#libs/events';
import { receives } from '#libs/fib-export';
import { orderedConsumer } from '#libs/streams';
import { adToken } from '#libs/tables';
import type { PeersAnswer, PeerView } from '#libs/api';
import { answerRoutes, type HistoryLine, patternHistory, readRibLog, replay, ribDiff, type RibDifference, type RouteRow, type RoutesAnswer, type RoutesQuery, type Until } from '#libs/audit';
import type { WebConfig } from '#libs/service-config';
import { inLine } from './in-line.ts';

/** One peer AD as every session service (site) of the speaker sees it. */
export interface PeerSites {
  readonly peer: string;
  readonly state: string;
  readonly sites: readonly (PeerView & { readonly speakerId: string })[];
}

/** A search: the routes whose pattern holds the text, and the most specific match when the text is an EID. */
export interface SearchAnswer {
  readonly text: string;
  readonly forEid: RouteRow | undefined;
  readonly routes: RoutesAnswer;
}

/** The Loc-RIB and a gateway's FIB at a point of the log, from the log alone (the audit projection). */
export interface TravelAnswer {
  readonly at: string;
  readonly routes: RoutesAnswer;
  readonly gateway: string | undefined;
  readonly fib: readonly RouteRow[];
}

/** Replays of the log under way or waiting for their turn, at most. */
const MAX_REPLAYS = 4;

/**
 * What the looking glass shows, each a JSON answer: the live ones asked of the running services
 * over their read API (README, "Live answers"), the past rebuilt from the RIB input log by the
 * same projection `dpp replay`, `dpp rib diff` and `dpp history` use.
 */
export function lookingGlass(nc: NatsConnection, config: WebConfig) {
  const token = adToken(config.localAd);
  const routes = async (query: RoutesQuery): Promise<RoutesAnswer> => {
    // The API's envelope (ok, v) is not part of the answer.
    const { ok: _, v: __, ...answer } = Result.getOrThrowWith(await ask<RoutesAnswer & { ok?: boolean; v?: number }>(nc, apiSubject(token, 'rib.routes'), query), (e) => new Error(e));
    return answer;
  };
  const gatewayNamed = (name: string | undefined) => {
    if (name === undefined) return undefined;
    const gateway = config.gateways.find((g) => g.name === name);
    if (gateway === undefined) throw new Error(`no gateway ${name} in ${config.localAd}'s config (it has ${config.gateways.map((g) => g.name).join(', ') || 'none'})`);
    return gateway;
  };
  const skipped = () => undefined;
  // The past is rebuilt from the whole RIB input log at each request: one at a time, so that
  // requests arriving together do not read the log side by side.
  const inTurn = inLine(MAX_REPLAYS);
  return {
    localAd: config.localAd,
    gateways: config.gateways.map((g) => g.name),

    async peers(only?: string): Promise<PeerSites[]> {
      const sites = await askAll<PeersAnswer>(nc, apiSubject(token, 'session.peers'), only === undefined ? {} : { peer: only });
      const names = [...new Set(sites.flatMap((s) => s.peers.map((p) => p.peer)))].sort();
      return names.map((peer) => {
        const views = sites.flatMap((s) => s.peers.filter((p) => p.peer === peer).map((p) => ({ speakerId: s.speakerId, ...p })));
        const sessions = views.flatMap((v) => v.sessions);
        const state = sessions.some((s) => s.state === 'ESTABLISHED') ? 'ESTABLISHED' : views.some((v) => v.disabled) ? 'disabled' : (sessions[0]?.state ?? 'down');
        return { peer, state, sites: views };
      });
    },

    routes,

    async search(text: string, page: { after?: string } = {}): Promise<SearchAnswer> {
      const trimmed = text.trim();
      const eid = trimmed === '' ? undefined : parseEid(trimmed);
      const forEid = eid?.ok ? (await routes({ for: trimmed })).routes.find((r) => r.inForce) : undefined;
      return { text: trimmed, forEid, routes: await routes({ ...(trimmed === '' ? {} : { text: trimmed }), all: true, ...page }) };
    },

    /** The routes of these patterns (or those a gateway receives that have a window), every candidate with its window. */
    async timeline(select: { patterns?: readonly string[]; gateway?: string }): Promise<RoutesAnswer> {
      const gateway = gatewayNamed(select.gateway);
      const answer = await routes({ ...(select.patterns ? { patterns: [...select.patterns] } : { scheduled: true }), all: true });
      return gateway === undefined ? answer : { ...answer, routes: answer.routes.filter((r) => receives(gateway, r.pattern, r.route)) };
    },

    async travel(at: Until, label: string, gatewayName: string | undefined): Promise<TravelAnswer> {
      const gateway = gatewayNamed(gatewayName);
      const rib = await inTurn(() => replay(nc, config.streams.ribInput, config.localAd, at, skipped));
      const answer = Result.getOrThrowWith(answerRoutes(rib, rib.patterns(), { all: true }), (e) => new Error(e));
      return { at: label, routes: answer, gateway: gateway?.name, fib: gateway === undefined ? [] : answer.routes.filter((r) => receives(gateway, r.pattern, r.route)) };
    },

    diff(a: Until, b: Until): Promise<RibDifference[]> {
      const at = (point: Until) => replay(nc, config.streams.ribInput, config.localAd, point, skipped);
      return inTurn(async () => ribDiff(await at(a), await at(b)));
    },

    history: (pattern: string): Promise<HistoryLine[]> => inTurn(() => patternHistory(readRibLog(nc, config.streams.ribInput, undefined, skipped), config.localAd, pattern)),

    /** One event of the RIB input log, decoded, as history links to it. */
    async event(seq: number): Promise<unknown> {
      const m = await (await jetstreamManager(nc)).streams.getMessage(config.streams.ribInput, { seq });
      if (m === null) throw new Error(`no event ${seq} in ${config.streams.ribInput}`);
      const event = decodeRibInput(m.string(), seq);
      return { seq, stored: m.time.toISOString(), subject: m.subject, event: Result.isSuccess(event) ? event.success : { undecodable: event.failure } };
    },

    /** Calls `onChange` with the patterns of each Loc-RIB change message from now on, until stopped. */
    follow(onChange: (patterns: readonly string[]) => void): { stop(): void } {
      let current: ConsumerMessages | undefined;
      let stopped = false;
      void (async () => {
        while (!stopped) {
          try {
            current = await (await orderedConsumer(nc, config.streams.locRib, { deliver_policy: DeliverPolicy.New })).consume({ expires: 10_000, idle_heartbeat: 2_000 });
            if (stopped) return current.stop();
            for await (const m of current) {
              const changes = decodeLocRibChanges(m.string());
              if (Result.isSuccess(changes)) onChange([...new Set(changes.success.map((c) => c.pattern))]);
            }
          } catch {
            if (nc.isClosed()) return;
            await new Promise((resolve) => setTimeout(resolve, 1_000));
          }
        }
      })();
      return {
        stop: () => {
          stopped = true;
          current?.stop();
        },
      };
    },
  };
}

export type LookingGlass = ReturnType<typeof lookingGlass>;
