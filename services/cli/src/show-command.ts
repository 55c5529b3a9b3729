import { jetstreamManager } from '@nats-io/jetstream';
import { Result } from 'effect';
import { formatPattern, parsePattern } from '#libs/eid';
import { decodeLoggedEvent, passThroughImport } from '#libs/events';
import { nextHopOf } from '#libs/fib-export';
import { byWindowStart, inWindow } from '#libs/rib';
import { readLocRib } from '#libs/tables';
import { readLog } from '#libs/streams';
import { loadFibExportConfig } from '../../fib-export/src/fib-export-config.ts';
import { loadPolicyConfig } from '../../policy/src/policy-config.ts';
import { commandLine, intOption, table, windowText } from './command-line.ts';
import { fibCommand } from './fib-commands.ts';
import { EXIT, type CommandIo } from './io.ts';
import { counters } from './policy-commands.ts';
import { withNats } from './with-nats.ts';

export const SHOW_USAGE = `usage: dpp show peers --config FILE [--json]
       dpp show routes [PATTERN...] --config FILE [--json]
       dpp show fib [--gateway NAME] --config FILE [--json]
       dpp show events [--last N] --config FILE [--json]

What the speaker whose config FILE is given holds now, read from its streams:
peers    each peer AD: sessions up now, best routes learned from it, import decisions, routes sent
routes   the Loc-RIB (or the routes of the PATTERNs given): best route, where from, AD_PATH,
         metric, next hop (§6.7), window
fib      a gateway's FIB (the first configured gateway unless --gateway)
events   the last N peer events (default 20): sessions, updates, policy versions
`;

export async function showCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const [what, ...rest] = args;
  if (what === '--help' || what === '-h') {
    io.out.write(SHOW_USAGE);
    return EXIT.ok;
  }
  if (what !== 'peers' && what !== 'routes' && what !== 'fib' && what !== 'events') {
    io.err.write(`dpp show: expected peers, routes, fib or events\n\n${SHOW_USAGE}`);
    return EXIT.usage;
  }
  const parsed = commandLine(rest, io, SHOW_USAGE, { config: { type: 'string' }, gateway: { type: 'string' }, last: { type: 'string' } });
  if (typeof parsed === 'number') return parsed;
  const file = parsed.values['config'];
  if (typeof file !== 'string') {
    io.err.write(`dpp show: --config is required\n\n${SHOW_USAGE}`);
    return EXIT.usage;
  }
  const json = parsed.values['json'] === true;
  const loaded = await loadPolicyConfig(file);
  if (Result.isFailure(loaded)) {
    io.err.write(`${loaded.failure}\n`);
    return EXIT.invalid;
  }
  const config = loaded.success;
  if (what === 'fib') {
    const fib = await loadFibExportConfig(file);
    const gateway = typeof parsed.values['gateway'] === 'string' ? parsed.values['gateway'] : Result.isSuccess(fib) ? fib.success.gateways[0]?.name : undefined;
    if (gateway === undefined) {
      io.err.write(`dpp show fib: ${file} configures no gateway; name one with --gateway\n`);
      return EXIT.invalid;
    }
    return fibCommand(['show', '--gateway', gateway, '--nats', config.natsUrl, '--bucket-prefix', Result.isSuccess(fib) ? fib.success.bucketPrefix : 'dpp-fib', ...(json ? ['--json'] : [])], io);
  }
  return withNats(config.natsUrl, io, async (nc) => {
    if (what === 'peers') {
      const best = await readLocRib(nc, config.locRib);
      const learned = new Map<string, number>();
      // Best routes now: the intervals in force, one per pattern (the future ones are not yet anyone's best).
      const now = Date.now();
      for (const { advertisement } of best.values()) if (inWindow(advertisement, now)) learned.set(advertisement.peerAd, (learned.get(advertisement.peerAd) ?? 0) + 1);
      const rows = (await counters(nc, config)).filter((c) => c.peerAd !== config.localAd).map((c) => ({
        peer: c.peerAd,
        sessions: Math.max(0, c.sessionsUp - c.sessionsDown),
        bestRoutes: learned.get(c.peerAd) ?? 0,
        accepted: c.accepted,
        rejected: Object.values(c.rejected).reduce((a, b) => a + b, 0),
        exported: c.exported,
      }));
      if (json) for (const r of rows) io.out.write(`${JSON.stringify(r)}\n`);
      else io.out.write(table([['PEER', 'SESSIONS UP', 'BEST ROUTES', 'ACCEPTED', 'REJECTED', 'SENT'], ...rows.map((r) => [r.peer, String(r.sessions), String(r.bestRoutes), String(r.accepted), String(r.rejected), String(r.exported)])]));
      return EXIT.ok;
    }
    if (what === 'routes') {
      const wanted = parsed.positionals.map((text) => {
        const p = parsePattern(text);
        return p.ok ? formatPattern(p.value) : text;
      });
      // Every interval of the timelines, current and future (a scheduled route is a route from the moment it is known), the one in force marked.
      const now = Date.now();
      const rows = [...(await readLocRib(nc, config.locRib)).values()]
        .filter(({ pattern }) => wanted.length === 0 || wanted.includes(pattern))
        .sort((x, y) => (x.pattern < y.pattern ? -1 : x.pattern > y.pattern ? 1 : byWindowStart(x.advertisement, y.advertisement)))
        .map(({ pattern, advertisement: a, causeSeq }) => ({ pattern, from: a.peerAd, adPath: a.adPath, metric: a.metric, nextHop: nextHopOf(a), validFrom: a.validFrom, validUntil: a.validUntil, inForce: inWindow(a, now), causeSeq }));
      if (json) for (const r of rows) io.out.write(`${JSON.stringify(r)}\n`);
      else io.out.write(table([['PATTERN', 'FROM', 'AD_PATH', 'METRIC', 'NEXT HOP', 'WINDOW', 'NOW'], ...rows.map((r) => [r.pattern, r.from, r.adPath.join(' ') || '(local)', String(r.metric), r.nextHop, windowText(r.validFrom, r.validUntil), r.inForce ? 'yes' : '-'])]));
      return EXIT.ok;
    }
    const last = intOption(parsed.values['last'], '--last', 20, io);
    if (last === undefined) return EXIT.invalid;
    const end = (await (await jetstreamManager(nc)).streams.info(config.peerEvents)).state.last_seq;
    const rows: Record<string, unknown>[] = [];
    for await (const m of readLog(nc, config.peerEvents)) {
      if (m.seq <= end - last) continue;
      const event = decodeLoggedEvent(m.string());
      if (Result.isFailure(event)) {
        rows.push({ seq: m.seq, kind: 'corrupt', detail: event.failure });
        continue;
      }
      const e = event.success;
      if (e.kind === 'policy') {
        rows.push({ seq: m.seq, time: new Date(e.at).toISOString(), kind: 'policy', peer: '', session: '', detail: `version ${e.version}` });
        continue;
      }
      let detail = e.kind === 'session-down' ? `code ${e.code}: ${e.reason}` : e.kind === 'session-up' ? `hold time ${e.holdTime} s` : '';
      if (e.kind === 'route-update') {
        try {
          const routes = passThroughImport(e, m.seq, 0);
          if (routes.type === 'update') detail = `+${routes.accepted.reduce((n, a) => n + a.patterns.length, 0)} -${routes.withdrawn.reduce((n, w) => n + w.patterns.length, 0)} routes${e.overLimit ? `, ${e.overLimit.routes.length} over the limit` : ''}`;
        } catch (error) {
          detail = `corrupt: ${(error as Error).message}`;
        }
      }
      rows.push({ seq: m.seq, time: new Date(e.receivedAt).toISOString(), kind: e.kind, peer: e.peerAd, session: e.sessionId, detail });
    }
    if (json) for (const r of rows) io.out.write(`${JSON.stringify(r)}\n`);
    else io.out.write(table([['SEQ', 'TIME', 'KIND', 'PEER', 'SESSION', 'DETAIL'], ...rows.map((r) => [String(r['seq']), String(r['time'] ?? ''), String(r['kind']), String(r['peer'] ?? ''), String(r['session'] ?? '').slice(0, 8), String(r['detail'])])]));
    return EXIT.ok;
  });
}
