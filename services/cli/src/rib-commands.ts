import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { formatPattern, parsePattern } from '#libs/eid';
import { LocRib, NeighborSessions } from '#libs/rib';
import { loadRibConfig } from '#libs/service-config';
import { startRibService } from '../../rib/src/rib-service.ts';
import { intervalRow, type IntervalRow, parseUntil, patternHistory, readRibLog, replay, ribDiff, routeRow, shownNeighbor, timelineRows, type Until } from '#libs/audit';
import { commandLine, isoTime, table, windowText } from './command-line.ts';
import { CONFIG_OPTION, configDefaults } from './config-defaults.ts';
import { EXIT, type CommandIo } from './io.ts';
import { runService } from './run-service.ts';
import { withNats } from './with-nats.ts';

const COMMON = `${CONFIG_OPTION}
  --ad AD          our AD (routes whose AD_PATH holds it are loops, §5.3)
  --nats URL       the NATS server (default nats://127.0.0.1:4222)
  --stream NAME    the RIB input stream (default DPP_RIB_INPUT)
  --json           one JSON object a line instead of a table`;

export const REPLAY_USAGE = `usage: dpp replay --config FILE|--ad AD [--until SEQ|TIME] [--nats URL] [--stream NAME] [--json]

Rebuilds the Loc-RIB from the log in a scratch projection, up to a log sequence or a time
(default: the whole log), and prints every pattern's timeline: who wins each interval from the
recorded clock on, current (NOW) and future. Nothing running is touched.
${COMMON}
`;
export const EXPLAIN_USAGE = `usage: dpp explain PATTERN --config FILE|--ad AD [--at TIME] [--until SEQ|TIME] [--nats URL] [--stream NAME] [--json]

Every route for PATTERN at that point of the log, as they stand at the instant TIME (default: the
recorded clock; past or future): the best one, and for each other the route it lost to and the
§4.4 step that decided; routes outside their window at TIME are listed apart. Then the pattern's
timeline. TIME before the recorded clock sees the routes held then, not those gone since: for
those, replay to an earlier point with --until.
${COMMON}
  --at TIME        the instant to rank at, an ISO time
`;
export const HISTORY_USAGE = `usage: dpp history PATTERN --config FILE|--ad AD [--until SEQ|TIME] [--nats URL] [--stream NAME] [--json]

Every event in the log that touched PATTERN: announcements, withdrawals and rejections of it, and
every change of an interval of its timeline (which route wins it, or that it went), with the
event (an update, a session loss, a clock edge) that made it.
${COMMON}
`;
export const DIFF_USAGE = `usage: dpp rib diff A B --config FILE|--ad AD [--nats URL] [--stream NAME] [--json]

The Loc-RIB at point A against point B (each a log sequence or a time): intervals of the patterns'
timelines (named by pattern and start) added, removed, or whose winner or end changed.
${COMMON}
`;

interface Common {
  readonly ad: string;
  readonly nats: string;
  readonly stream: string;
  readonly json: boolean;
  readonly until: Until;
  readonly at: number | undefined;
  readonly positionals: readonly string[];
}

/** The options every audit command shares, or the exit code of a usage error already reported. */
async function common(args: readonly string[], io: CommandIo, usage: string, positionals: number): Promise<Common | number> {
  const parsed = commandLine(args, io, usage, {
    config: { type: 'string' },
    ad: { type: 'string' },
    nats: { type: 'string' },
    stream: { type: 'string' },
    until: { type: 'string' },
    ...(usage === EXPLAIN_USAGE ? { at: { type: 'string' as const } } : {}),
  });
  if (typeof parsed === 'number') return parsed;
  const { positionals: given } = parsed;
  const values = parsed.values as { config?: string; ad?: string; nats?: string; stream?: string; until?: string; at?: string; json: boolean };
  const defaults = await configDefaults(values.config, io);
  if (typeof defaults === 'number') return defaults;
  const ad = values.ad ?? defaults.ad;
  if (ad === undefined || given.length !== positionals) {
    io.err.write(`dpp: ${ad === undefined ? '--config FILE or --ad is required' : `expected ${positionals} argument(s)`}\n\n${usage}`);
    return EXIT.usage;
  }
  const until = parseUntil(values.until);
  if (Result.isFailure(until)) {
    io.err.write(`dpp: ${until.failure}\n`);
    return EXIT.invalid;
  }
  const at = values.at === undefined ? undefined : isoTime(values.at, '--at', io);
  if (values.at !== undefined && at === undefined) return EXIT.invalid;
  return { ad, nats: values.nats ?? defaults.nats, stream: values.stream ?? defaults.ribInput, json: values.json, until: until.success, at, positionals: given };
}

/** `withNats` for the audit commands: events that do not decode are reported as skipped. */
const withLog = (options: Common, io: CommandIo, body: (nc: NatsConnection, skipped: (seq: number, why: string) => void) => Promise<number>): Promise<number> =>
  withNats(options.nats, io, (nc) => body(nc, (seq, why) => io.err.write(`dpp: log sequence ${seq} skipped: not a valid RIB input event: ${why}\n`)));

const intervalCells = (r: IntervalRow) => [
  r.pattern,
  `${r.now ? 'NOW ' : ''}${r.from ?? '-∞'} → ${r.until ?? '∞'}`,
  r.neighbor,
  r.adPath.join(' '),
  String(r.metric),
  r.nextHop,
  windowText(r.validFrom ?? undefined, r.validUntil ?? undefined),
  String(r.receivedSeq),
];
/** The words of every command that prints routes: PEER (the AD, and its speaker where it gave one), NEXT HOP (§6.7). */
const INTERVAL_HEAD = ['PATTERN', 'INTERVAL', 'PEER', 'AD_PATH', 'METRIC', 'NEXT HOP', 'ROUTE WINDOW', 'SEQ'];

function printRib(rib: LocRib, options: Common, io: CommandIo): void {
  const rows = timelineRows(rib);
  if (options.json) for (const r of rows) io.out.write(`${JSON.stringify(r)}\n`);
  else {
    const clock = rib.now === 0 ? 'no clock event recorded yet' : `clock ${new Date(rib.now).toISOString()}`;
    io.out.write(`Loc-RIB at log sequence ${rib.lastSeq} (${clock}): ${rib.size} pattern${rib.size === 1 ? '' : 's'} with a route now, ${rows.length} interval${rows.length === 1 ? '' : 's'}\n${table([INTERVAL_HEAD, ...rows.map(intervalCells)])}`);
  }
}

export async function replayCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const options = await common(args, io, REPLAY_USAGE, 0);
  if (typeof options === 'number') return options;
  return withLog(options, io, async (nc, skipped) => {
    printRib(await replay(nc, options.stream, options.ad, options.until, skipped), options, io);
    return EXIT.ok;
  });
}

function canonical(text: string | undefined, io: CommandIo): string | undefined {
  const parsed = parsePattern(text ?? '');
  if (parsed.ok) return formatPattern(parsed.value);
  io.err.write(`dpp: pattern "${text}": ${parsed.error.message}\n`);
  return undefined;
}

/** A command about one PATTERN: the shared options, the pattern in canonical form, a NATS connection. */
async function withPattern(
  args: readonly string[],
  io: CommandIo,
  usage: string,
  body: (options: Common, pattern: string, nc: NatsConnection, skipped: (seq: number, why: string) => void) => Promise<number>,
): Promise<number> {
  const options = await common(args, io, usage, 1);
  if (typeof options === 'number') return options;
  const pattern = canonical(options.positionals[0], io);
  if (pattern === undefined) return EXIT.invalid;
  return withLog(options, io, (nc, skipped) => body(options, pattern, nc, skipped));
}

export function explainCommand(args: readonly string[], io: CommandIo): Promise<number> {
  return withPattern(args, io, EXPLAIN_USAGE, async (options, pattern, nc, skipped) => {
    const rib = new LocRib(options.ad);
    // A neighbor's latest word on the pattern: a route import policy refused stays refused until it announces or withdraws it again.
    const refused = new Map<string, { neighbor: string; receivedSeq: number; rule: string; reason: string }>();
    // Judged as the RIB judges it: an older session's late word says nothing.
    const sessions = new NeighborSessions();
    for await (const { seq, event } of readRibLog(nc, options.stream, options.until, skipped)) {
      rib.apply(event);
      if (!sessions.admit(event)) continue;
      if (event.type === 'neighbor-down') refused.delete(event.neighbor);
      if (event.type === 'update') {
        if ([...event.withdrawn, ...event.accepted].some((x) => x.patterns.includes(pattern))) refused.delete(event.neighbor);
        const rejection = event.rejected.findLast((r) => r.pattern === pattern);
        if (rejection) refused.set(event.neighbor, { neighbor: shownNeighbor(event.neighbor), receivedSeq: seq, rule: rejection.rule, reason: rejection.reason });
      }
    }
    const instant = options.at ?? rib.now;
    const { ranked, unusable } = rib.explain(pattern, instant);
    const candidates = ranked.map((r) => ({ ...routeRow(r.route), result: r.lostTo ? 'lost' : 'best', lostTo: r.lostTo ? shownNeighbor(r.lostTo.neighbor) : null, step: r.step ?? null }));
    const outside = unusable.map((u) => ({ ...routeRow(u.route), result: u.why }));
    const rejected = [...refused.values()];
    const timeline = rib.timeline(pattern).map((i) => intervalRow(i, rib.now));
    if (options.json) {
      // The RIB's clock is 0 until the log holds a clock event: no time, not 1970.
      const clock = (ms: number) => (ms > 0 ? ms : null);
      io.out.write(`${JSON.stringify({ pattern, atSeq: rib.lastSeq, now: clock(rib.now), at: clock(instant), candidates, unusable: outside, rejected, timeline })}\n`);
      return EXIT.ok;
    }
    const cells = [
      ...candidates.map((c) => [c.neighbor, c.adPath.join(' '), String(c.metric), String(c.receivedSeq), c.result === 'best' ? 'BEST' : `lost to ${c.lostTo} on ${c.step}`]),
      ...outside.map((u) => [u.neighbor, u.adPath.join(' '), String(u.metric), String(u.receivedSeq), u.result]),
      ...rejected.map((r) => [r.neighbor, '-', '-', String(r.receivedSeq), `rejected by ${r.rule}: ${r.reason}`]),
    ];
    const when = options.at !== undefined ? `ranked at ${new Date(instant).toISOString()}` : rib.now === 0 ? 'no clock event recorded yet' : `clock ${new Date(rib.now).toISOString()}`;
    io.out.write(`${pattern} at log sequence ${rib.lastSeq} (${when}): ${candidates.length} usable, ${outside.length} outside their window, ${rejected.length} rejected\n`);
    if (cells.length > 0) io.out.write(table([['PEER', 'AD_PATH', 'METRIC', 'SEQ', 'RESULT'], ...cells]));
    io.out.write(timeline.length === 0 ? 'timeline: no route now or to come\n' : `timeline:\n${table([INTERVAL_HEAD, ...timeline.map(intervalCells)])}`);
    return EXIT.ok;
  });
}

export function historyCommand(args: readonly string[], io: CommandIo): Promise<number> {
  return withPattern(args, io, HISTORY_USAGE, async (options, pattern, nc, skipped) => {
    const lines = await patternHistory(readRibLog(nc, options.stream, options.until, skipped), options.ad, pattern);
    if (options.json) for (const line of lines) io.out.write(`${JSON.stringify(line)}\n`);
    else io.out.write(lines.length === 0 ? `no event touched ${pattern}\n` : table([['SEQ', 'STORED', 'EVENT', 'PEER', 'WHAT'], ...lines.map((l) => [String(l.seq), l.stored, l.event, l.neighbor ?? '-', l.what])]));
    return EXIT.ok;
  });
}

export const RIB_USAGE = `usage: dpp rib --config FILE      run the RIB service
       dpp rib diff A B ...        compare the Loc-RIB at two points of the log (dpp rib diff --help)

The RIB service imports the peer events the session service logs (pass-through until the policy
service), keeps the Loc-RIB as a projection of its input log with its checkpoint in SQLite, and
publishes every change of a best route. JSON log lines on stdout; SIGINT or SIGTERM stops it
after the batch in hand. The config file is described in README, "Running the RIB".
`;

export async function ribCommand(args: readonly string[], io: CommandIo): Promise<number> {
  if (args[0] !== 'diff') return runRib(args, io);
  const options = await common(args.slice(1), io, DIFF_USAGE, 2);
  if (typeof options === 'number') return options;
  const points: Until[] = [];
  for (const text of options.positionals) {
    const point = parseUntil(text);
    if (Result.isFailure(point)) {
      io.err.write(`dpp: ${point.failure.replace('--until', 'point')}\n`);
      return EXIT.invalid;
    }
    points.push(point.success);
  }
  return withLog(options, io, async (nc, skipped) => {
    const at = (point: Until) => replay(nc, options.stream, options.ad, point, skipped);
    const diffs = ribDiff(await at(points[0]), await at(points[1]));
    if (options.json) for (const d of diffs) io.out.write(`${JSON.stringify(d)}\n`);
    else io.out.write(diffs.length === 0 ? 'no difference\n' : table([['CHANGE', 'PATTERN', 'INTERVAL START', 'BEFORE', 'AFTER'], ...diffs.map((d) => [d.change, d.pattern, d.from ?? '-∞', d.before ? `${d.before.neighbor} until ${d.before.until ?? '∞'}` : '-', d.after ? `${d.after.neighbor} until ${d.after.until ?? '∞'}` : '-'])]));
    return EXIT.ok;
  });
}

const runRib = (args: readonly string[], io: CommandIo): Promise<number> =>
  runService('rib', RIB_USAGE, args, io, { load: loadRibConfig, start: startRibService });
