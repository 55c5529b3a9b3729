import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { apiSubject, ask, askAll } from '#libs/api';
import { NotificationCode } from '#libs/wire';
import { decodeLoggedEvent, passThroughImport } from '#libs/events';
import { inWindow } from '#libs/rib';
import { adToken, readLocRib } from '#libs/tables';
import { readLog } from '#libs/streams';
import { loadFibExportConfig, loadPolicyConfig } from '#libs/service-config';
import type { RouteRow, RouteView, RoutesAnswer } from '#libs/audit';
import type { PeersAnswer, PeerView, SessionEnd } from '#libs/api';
import { commandLine, duration, intOption, table, windowText } from './command-line.ts';
import { fibCommand } from './fib-commands.ts';
import { EXIT, type CommandIo } from './io.ts';
import { counters, unlessMissing } from './policy-commands.ts';
import { withNats } from './with-nats.ts';

export const SHOW_USAGE = `usage: dpp show peers [PEER] --config FILE [--json]
       dpp show routes [PATTERN...] [--for EID] [--peer AD] [--origin AD] [--under PATTERN]
                       [--scheduled|--unscheduled] [--all] --config FILE [--json]
       dpp show fib [--gateway NAME] --config FILE [--json]
       dpp show events [--last N] --config FILE [--json]

What the speaker whose config FILE is given holds now:
peers    each peer AD: its state and uptime (from the running session services, every site),
         sessions up, best routes learned from it, import decisions, routes sent (from the
         streams); PEER alone in detail: each session's role, address, hold time, messages, updates
         and routes each way, routes over the limit, TLS identity, the SVCB key that proved it,
         and the last Notification sent and received
routes   the Loc-RIB as the running RIB holds it (asked over NATS): each interval of each
         pattern's timeline, current and future, with the route that wins it: the peer it came
         from, AD_PATH, metric, next hop (§6.7), window; --json gives every attribute. Only the
         PATTERNs given; --for EID the most specific pattern with a route now that matches EID;
         --peer AD learned from AD; --origin AD whose AD_PATH ends in AD; --under PATTERN inside
         it; --scheduled (--unscheduled) with (without) a window; --all every candidate too, with
         the §4.4 step it lost on or why it is not usable
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
  const parsed = commandLine(rest, io, SHOW_USAGE, {
    config: { type: 'string' },
    gateway: { type: 'string' },
    last: { type: 'string' },
    for: { type: 'string' },
    peer: { type: 'string' },
    origin: { type: 'string' },
    under: { type: 'string' },
    scheduled: { type: 'boolean' },
    unscheduled: { type: 'boolean' },
    all: { type: 'boolean' },
  });
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
      const sites = await askAll<PeersAnswer>(nc, apiSubject(adToken(config.localAd), 'session.peers'), parsed.positionals.length === 1 ? { peer: parsed.positionals[0] } : {});
      if (parsed.positionals.length > 1) {
        io.err.write(`dpp show peers: one PEER at most\n\n${SHOW_USAGE}`);
        return EXIT.usage;
      }
      const learned = new Map<string, number>();
      // Best routes now: the intervals in force, one per pattern (the future ones are not yet anyone's best); none before the RIB first ran.
      const now = Date.now();
      await unlessMissing(async () => {
        for (const { advertisement } of (await readLocRib(nc, config.locRib)).values()) if (inWindow(advertisement, now)) learned.set(advertisement.peerAd, (learned.get(advertisement.peerAd) ?? 0) + 1);
      });
      const live = (peer: string) => sites.flatMap((site) => site.peers.filter((p) => p.peer === peer).map((view) => ({ speakerId: site.speakerId, ...view })));
      const established = (peer: string) => live(peer).flatMap((v) => v.sessions.filter((s) => s.state === 'ESTABLISHED'));
      const all = await counters(nc, config);
      const names = [...new Set([...all.map((c) => c.peerAd), ...sites.flatMap((s) => s.peers.map((p) => p.peer))])].filter((p) => p !== config.localAd && (parsed.positionals.length === 0 || p === parsed.positionals[0])).sort();
      if (names.length === 0) {
        io.err.write(`dpp show peers: ${parsed.positionals.length === 0 ? 'no peer' : `no peer ${parsed.positionals[0]}`} in the log or at a running session service\n`);
        return EXIT.invalid;
      }
      const rows = names.map((peer) => {
        const c = all.find((x) => x.peerAd === peer);
        const up = established(peer);
        return {
          peer,
          state: up.length > 0 ? 'ESTABLISHED' : live(peer).some((v) => v.disabled) ? 'disabled' : (live(peer).flatMap((v) => v.sessions)[0]?.state ?? (sites.length === 0 ? 'unknown' : 'down')),
          since: up.length > 0 ? Math.min(...up.map((s) => s.establishedAt!)) : null,
          sessions: c ? Math.max(0, c.sessionsUp - c.sessionsDown) : up.length,
          bestRoutes: learned.get(peer) ?? 0,
          accepted: c?.accepted ?? 0,
          rejected: c ? Object.values(c.rejected).reduce((a, b) => a + b, 0) : 0,
          exported: c?.exported ?? 0,
        };
      });
      if (parsed.positionals.length === 1) return showPeer(rows[0]!, live(rows[0]!.peer), json, io);
      if (json) for (const r of rows) io.out.write(`${JSON.stringify(r)}\n`);
      else io.out.write(table([['PEER', 'STATE', 'UPTIME', 'SESSIONS UP', 'BEST ROUTES', 'ACCEPTED', 'REJECTED', 'SENT'], ...rows.map((r) => [r.peer, r.state, r.since === null ? '-' : duration(now - r.since), String(r.sessions), String(r.bestRoutes), String(r.accepted), String(r.rejected), String(r.exported)])]));
      return EXIT.ok;
    }
    if (what === 'routes') return showRoutes(nc, config.localAd, parsed, json, io);
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
      if (e.kind === 'peer-admin') {
        rows.push({ seq: m.seq, time: new Date(e.at).toISOString(), kind: `peer-${e.action}`, peer: e.peerAd, session: '', detail: `by an operator${e.reason === undefined ? '' : `: ${e.reason}`}` });
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

/** `show routes`: the running RIB's answer (services/rib rib-api.ts), page after page. */
async function showRoutes(nc: NatsConnection, localAd: string, parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] }, json: boolean, io: CommandIo): Promise<number> {
  const v = parsed.values;
  const text = (name: string) => (typeof v[name] === 'string' ? { [name]: v[name] as string } : {});
  const query = {
    ...(parsed.positionals.length > 0 ? { patterns: parsed.positionals } : {}),
    ...text('for'),
    ...text('peer'),
    ...text('origin'),
    ...text('under'),
    ...(v['scheduled'] === true ? { scheduled: true } : v['unscheduled'] === true ? { scheduled: false } : {}),
    ...(v['all'] === true ? { all: true } : {}),
  };
  const rows: RouteRow[] = [];
  let lastSeq = 0;
  for (let after: string | undefined; ; ) {
    const page = await ask<RoutesAnswer>(nc, apiSubject(adToken(localAd), 'rib.routes'), { ...query, ...(after === undefined ? {} : { after }) });
    if (Result.isFailure(page)) {
      io.err.write(`dpp show routes: ${page.failure}\n`);
      return EXIT.invalid;
    }
    rows.push(...page.success.routes);
    lastSeq = page.success.lastSeq;
    if (page.success.next === undefined) break;
    after = page.success.next;
  }
  if (json) {
    for (const r of rows) io.out.write(`${JSON.stringify(r)}\n`);
    return EXIT.ok;
  }
  const cells = (r: RouteView) => [r.peerAd, r.adPath.join(' ') || '(local)', String(r.metric), r.nextHop];
  const lines: string[][] = [];
  for (const r of rows) {
    lines.push([r.pattern, windowText(r.from ?? undefined, r.until ?? undefined), ...cells(r.route), r.inForce ? 'yes' : '-']);
    for (const c of r.candidates ?? []) if (c.result !== 'best') lines.push([`  ${c.result === 'lost' ? `lost on ${c.step} to ${c.lostTo}` : c.result}`, windowText(c.route.validFrom, c.route.validUntil), ...cells(c.route), '']);
  }
  io.out.write(`Loc-RIB of ${localAd} at RIB input ${lastSeq}: ${rows.length} ${rows.length === 1 ? 'interval' : 'intervals'}\n`);
  io.out.write(table([['PATTERN', 'WINDOW', 'PEER', 'AD_PATH', 'METRIC', 'NEXT HOP', 'NOW'], ...lines]));
  return EXIT.ok;
}

/** One peer in detail: its summary row, then what each session service (site) says of it. */
function showPeer(row: Record<string, unknown> & { peer: string }, sites: readonly (PeerView & { speakerId: string })[], json: boolean, io: CommandIo): number {
  if (json) {
    io.out.write(`${JSON.stringify({ ...row, sites })}\n`);
    return EXIT.ok;
  }
  const at = (t: number) => new Date(t).toISOString();
  const codeName = (code: number) => Object.entries(NotificationCode).find(([, c]) => c === code)?.[0] ?? 'unknown';
  const end = (e: SessionEnd | undefined) => (e === undefined ? 'none' : `code ${e.code} (${codeName(e.code)}) at ${at(e.at)}: ${e.reason}`);
  const lines = [`peer ${row.peer}: ${String(row['state'])}; ${String(row['bestRoutes'])} best routes from it; accepted ${String(row['accepted'])}, rejected ${String(row['rejected'])}, sent ${String(row['exported'])} routes`];
  if (sites.length === 0) lines.push('  no running session service answers for it');
  for (const site of sites) {
    lines.push(`  at ${site.speakerId}: ${site.dial === undefined ? 'we do not dial it' : `we dial ${site.dial}`}; ${site.accepted ? 'its sessions are accepted' : 'its sessions are refused'}`);
    if (site.disabled) lines.push(`    disabled by an operator at ${at(site.disabled.at)}${site.disabled.reason === undefined ? '' : `: ${site.disabled.reason}`} (dpp peer enable ${row.peer})`);
    for (const s of site.sessions) {
      lines.push(`    session ${s.sessionId.slice(0, 8)}, ${s.role}, ${s.state}${s.establishedAt === undefined ? '' : ` since ${at(s.establishedAt)} (${duration(Date.now() - s.establishedAt)})`}${s.holdTime === undefined ? '' : `, hold time ${s.holdTime} s`}${s.address === undefined ? '' : `, address ${s.address}`}`);
      lines.push(`      messages in ${s.messagesIn}, out ${s.messagesOut}; updates in ${s.updatesIn} (${s.routesIn} routes, ${s.withdrawnIn} withdrawn), out ${s.updatesOut} (${s.routesOut} routes, ${s.withdrawnOut} withdrawn); over the route limit ${s.routesOverLimit}`);
      lines.push(`      TLS ${s.tlsIdentity ?? '-'}; SVCB key ${s.svcbKey ?? '-'}${s.peerSpeakerId ? `; speaker ${s.peerSpeakerId}` : ''}`);
    }
    lines.push(`    last Notification sent: ${end(site.lastNotificationSent)}`);
    lines.push(`    last Notification received: ${end(site.lastNotificationReceived)}`);
  }
  io.out.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
