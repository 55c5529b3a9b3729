import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { formatPattern, parsePattern } from '#libs/eid';
import { decodeLoggedEvent, decodeRibInput, passThroughImport, type PeerEvent } from '#libs/events';
import { CounterFold, exportRoute, type PeerCounters } from '#libs/policy';
import { byWindowStart } from '#libs/rib';
import { readLocRib } from '#libs/tables';
import { readLog } from '#libs/streams';
import { loadPolicyConfig, type PolicyConfig } from '#libs/service-config';
import { startPolicyService } from '../../policy/src/policy-service.ts';
import { commandLine, table, windowText } from './command-line.ts';
import { EXIT, type CommandIo } from './io.ts';
import { runService } from './run-service.ts';
import { withNats } from './with-nats.ts';

export const POLICY_USAGE = `usage: dpp policy --config FILE
       dpp policy counters --config FILE [--json]
       dpp policy explain PATTERN --config FILE [--json]

Runs the policy service: judges every logged peer event under the import policy in force and
writes the verdicts to the RIB input, and keeps each configured peer's Adj-RIB-Out (the routes
export policy sends it) from the Loc-RIB changes, which the session services send. At start it
logs its policy as the version in force when it is not already: the routes already learned are
judged again under it, and only what changed is written (no session is reset). Logs one JSON
object a line on stdout; SIGINT or SIGTERM stops it cleanly. The config file is described in
README, "Policy".

counters   per peer AD, from the log: sessions up and down (and torn down over the route
           limit), updates, routes announced and withdrawn, import decisions (accepted, rejected
           by rule), and what export policy sends the peer from the Loc-RIB now (exported,
           filtered by rule)
explain    the best route for PATTERN and, for each configured peer, whether export policy
           sends it (as what: AD_PATH, gateway) or which rule keeps it back
`;

export async function policyCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const sub = args[0];
  if (sub !== 'counters' && sub !== 'explain') return runService('policy', POLICY_USAGE, args, io, { load: loadPolicyConfig, start: startPolicyService });
  const parsed = commandLine(args.slice(1), io, POLICY_USAGE, { config: { type: 'string' } });
  if (typeof parsed === 'number') return parsed;
  const file = parsed.values['config'];
  if (typeof file !== 'string') {
    io.err.write(`dpp policy ${sub}: --config is required\n\n${POLICY_USAGE}`);
    return EXIT.usage;
  }
  const config = await loadPolicyConfig(file);
  if (Result.isFailure(config)) {
    io.err.write(`dpp policy ${sub}: the config is not valid:\n${config.failure}\n`);
    return EXIT.invalid;
  }
  const json = parsed.values['json'] === true;
  if (sub === 'counters') {
    if (parsed.positionals.length > 0) return usage(io, `dpp policy counters takes no PATTERN`);
    return withNats(config.success.natsUrl, io, async (nc) => printCounters(await counters(nc, config.success), json, io));
  }
  const [text, ...extra] = parsed.positionals;
  if (text === undefined || extra.length > 0) return usage(io, 'dpp policy explain takes one PATTERN');
  const pattern = parsePattern(text);
  if (!pattern.ok) {
    io.err.write(`dpp: "${text}": ${pattern.error.message}\n`);
    return EXIT.invalid;
  }
  return withNats(config.success.natsUrl, io, async (nc) => explainExport(nc, config.success, formatPattern(pattern.value), json, io));
}

const usage = (io: CommandIo, message: string): number => {
  io.err.write(`${message}\n\n${POLICY_USAGE}`);
  return EXIT.usage;
};

export async function counters(nc: NatsConnection, config: PolicyConfig): Promise<PeerCounters[]> {
  const fold = new CounterFold();
  for await (const m of readLog(nc, config.peerEvents)) {
    const event = decodeLoggedEvent(m.string());
    if (Result.isFailure(event) || event.success.kind === 'policy' || event.success.kind === 'peer-admin') continue;
    const e: PeerEvent = event.success;
    let routes;
    try {
      routes = e.kind === 'route-update' ? passThroughImport(e, m.seq, 0) : undefined;
    } catch {
      // A corrupt event: the import stage quarantined it, and it counts as no update.
    }
    fold.peerEvent(e.peerAd, e.kind, e.code, routes);
  }
  // Before the policy service or the RIB first ran, their streams are not there: nothing judged, nothing best.
  await unlessMissing(async () => {
    for await (const m of readLog(nc, config.ribInput)) {
      const event = decodeRibInput(m.string(), m.seq);
      if (Result.isSuccess(event)) fold.verdict(event.success);
    }
  });
  await unlessMissing(async () => {
    for (const { pattern, advertisement } of (await readLocRib(nc, config.locRib)).values()) {
      for (const peer of config.peers) fold.exported(peer, exportRoute(config.policy.export, config.localAd, peer, pattern, advertisement));
    }
  });
  return fold.counters();
}

/** Reads a stream that may not exist yet: a missing one (libs/streams readLog says "not found") reads as empty. */
export async function unlessMissing(read: () => Promise<void>): Promise<void> {
  try {
    await read();
  } catch (error) {
    if (!/ not found on this NATS server/.test((error as Error).message)) throw error;
  }
}

function printCounters(rows: readonly PeerCounters[], json: boolean, io: CommandIo): number {
  const byRule = (counts: Record<string, number>) => Object.entries(counts).map(([rule, n]) => `${rule}=${n}`).join(' ') || '-';
  if (json) for (const row of rows) io.out.write(`${JSON.stringify(row)}\n`);
  else {
    io.out.write(
      table([
        ['PEER', 'UP', 'DOWN', 'LIMIT', 'UPDATES', 'ANNOUNCED', 'WITHDRAWN', 'ACCEPTED', 'REJECTED', 'EXPORTED', 'FILTERED'],
        ...rows.map((r) => [r.peerAd, String(r.sessionsUp), String(r.sessionsDown), String(r.limitTeardowns), String(r.updates), String(r.announced), String(r.withdrawn), String(r.accepted), byRule(r.rejected), String(r.exported), byRule(r.filtered)]),
      ]),
    );
  }
  return EXIT.ok;
}

async function explainExport(nc: NatsConnection, config: PolicyConfig, pattern: string, json: boolean, io: CommandIo): Promise<number> {
  // One verdict per interval of the pattern's timeline: each is exported on its own, with its window.
  const intervals = [...(await readLocRib(nc, config.locRib)).values()].filter((e) => e.pattern === pattern).sort((a, b) => byWindowStart(a.advertisement, b.advertisement));
  if (intervals.length === 0) {
    if (json) io.out.write(`${JSON.stringify({ pattern, best: null, peers: [] })}\n`);
    else io.out.write(`${pattern}: no route in the Loc-RIB\n`);
    return EXIT.ok;
  }
  for (const { advertisement: best } of intervals) {
    const peers = config.peers.map((peer) => ({ peer, ...exportRoute(config.policy.export, config.localAd, peer, pattern, best) }));
    if (json) {
      io.out.write(`${JSON.stringify({ pattern, best, peers })}\n`);
      continue;
    }
    io.out.write(`${pattern}: best from ${best.peerAd}, AD_PATH ${best.adPath.join(' ') || '(local)'}, window ${windowText(best.validFrom, best.validUntil)}\n`);
    io.out.write(
      table([
        ['PEER', 'SENT', 'AD_PATH / RULE', 'NEXT HOP / REASON'],
        ...peers.map((p) => (p.export ? [p.peer, 'yes', p.attributes.adPath.join(' '), p.attributes.gatewayEid ?? `(none: dtn://${config.localAd}/)`] : [p.peer, 'no', p.rule, p.reason])),
      ]),
    );
  }
  return EXIT.ok;
}
