import { readFile, rename, writeFile } from 'node:fs/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { checkPlan, contactRoutes, exportPlan, fromHdtnPlan, fromIonContacts, PLAN_FORMATS, type Contact, type FibEntry, type PlanFormat } from '#libs/fib-export';
import { GatewayFib } from '#libs/gateway-client';
import { loadFibExportConfig } from '#libs/service-config';
import { startFibExportService } from '../../fib-export/src/fib-export-service.ts';
import { commandLine, intOption, isoTime, table, windowText } from './command-line.ts';
import { publishLocal } from '#libs/local-routes';
import { CONFIG_OPTION, configDefaults } from './config-defaults.ts';
import { EXIT, type CommandIo } from './io.ts';
import { runService, stopSignal } from './run-service.ts';
import { withNats } from './with-nats.ts';

export const FIB_EXPORT_USAGE = `usage: dpp fib-export --config FILE

Runs the FIB-export service: follows the Loc-RIB change stream and keeps each configured gateway's
FIB in its own KV bucket (<bucket_prefix>-<gateway>): a snapshot a gateway reads first, then the
deltas after it. JSON log lines on stdout; SIGINT or SIGTERM stops it. The config file is
described in README, "Gateways and the FIB".
`;

export const fibExportCommand = (args: readonly string[], io: CommandIo): Promise<number> =>
  runService('fib-export', FIB_EXPORT_USAGE, args, io, { load: loadFibExportConfig, start: startFibExportService });

const GATEWAY_OPTIONS = `${CONFIG_OPTION}
  --gateway NAME        the gateway (a name in the FIB-export config; with --config, its first)
  --nats URL            the NATS server (default nats://127.0.0.1:4222)
  --bucket-prefix P     the FIB-export bucket_prefix (default dpp-fib)`;

export const FIB_USAGE = `usage: dpp fib show [--gateway NAME] [--at TIME] [--json]  a gateway's FIB: every entry, current and future; with --at,
                                                       those whose window holds TIME
       dpp fib lookup EID [--gateway NAME] [--at TIME] [--json]
                                                       the entry bundles for EID follow (§4.2) now, or at TIME; exit 1 when none
       dpp fib watch [--gateway NAME] [--json]         the snapshot, then every delta as it comes, until Ctrl-C
       dpp fib export [--gateway NAME] --format hardy|ion|ion-ipn|hdtn [--out FILE [--follow]] [--check] [--local-node N] [--epoch TIME] [--horizon-hours H] [--default-rate-bps R] [--ion-duct-template T]
                                                       the FIB as a DTN router's contact plan (README: which fields map);
                                                       with --follow, FILE is kept current (rewritten whole) until Ctrl-C;
                                                       with --check, nothing is written: the plan is checked against the
                                                       router's grammar, each problem on stderr, exit 1 when there is one
${GATEWAY_OPTIONS}
  --json                one JSON object a line instead of a table
  --at TIME             an ISO time, past or future (default now for lookup; for show, all entries)
  --local-node N        our node number, the source of ION and HDTN contacts (default 1)
  --epoch TIME          ISO time HDTN's times count from (default 1970-01-01T00:00:00Z: run HDTN with
                        --use-unix-timestamp; give the time HDTN loads the plan otherwise)
  --horizon-hours H     where contacts of routes without an end stop (default 24 after now); contacts
                        of routes without a start start now
  --default-rate-bps R  ION: the rate of contacts of routes without bandwidth (ION refuses 0; default
                        1000000); HDTN writes them at 0, its unlimited
  --ion-duct-template T ion-ipn (ipnadmin plans and exits): a neighbour's outduct, {node} its number
                        (ltp/{node}); without it no plans are written, and the neighbours are listed
Every route a format cannot say is left out, and every value bounded, with a line on stderr saying why.
The gateway is --gateway, or the first of --config FILE's: one of them is required.
`;

export const CONTACTS_USAGE = `usage: dpp contacts import FILE --config FILE|--ad AD --local-node N [--format ion|hdtn] [--epoch TIME] [--min-confidence C] [--nats URL] [--stream NAME]

Reads an ION contact plan (its "a contact" lines) or an HDTN contact plan (JSON) and originates,
for each contact from our node N to node M, a scheduled route for ipn:0.M.* via ipn:M.0 inside the
contact's window at its rate. The plan replaces the plan imported before. The routes go to the RIB
input (the config's rib_input, default DPP_RIB_INPUT) as events of the neighbor "<AD> contacts"; their export to
peers is the policy service's. --format defaults from the file name (.json: hdtn).
${CONFIG_OPTION}
  --ad AD          our AD (the routes' origin)
  --nats URL       the NATS server (default nats://127.0.0.1:4222)
  --stream NAME    the RIB input stream (default DPP_RIB_INPUT)
  --epoch TIME     ISO time that relative times (ION +S until an "@" line moves the reference, HDTN
                   seconds) count from (default now)
  --min-confidence C
                   ION contacts of lower confidence are no routes (default 0.5); registration (-1)
                   and hypothetical (end 0) contacts never are; each skipped line is said on stderr
`;

type FibOptions = { gateway: string; nats: string; prefix: string; json: boolean; positionals: string[]; values: Record<string, string | boolean | undefined> };

async function fibOptions(args: readonly string[], io: CommandIo, usage: string, extra: Record<string, { type: 'string' | 'boolean' }> = {}): Promise<FibOptions | number> {
  const parsed = commandLine(args, io, usage, {
    config: { type: 'string' },
    gateway: { type: 'string' },
    nats: { type: 'string' },
    'bucket-prefix': { type: 'string' },
    ...extra,
  });
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const defaults = await configDefaults(values['config'], io);
  if (typeof defaults === 'number') return defaults;
  return {
    gateway: (values['gateway'] as string | undefined) ?? defaults.gateway ?? '',
    nats: (values['nats'] as string | undefined) ?? defaults.nats,
    prefix: (values['bucket-prefix'] as string | undefined) ?? defaults.fibBucketPrefix,
    json: values['json'] as boolean,
    positionals,
    values: { ...values, ad: (values['ad'] as string | undefined) ?? defaults.ad, stream: (values['stream'] as string | undefined) ?? defaults.ribInput },
  };
}

const cells = (e: FibEntry) => [e.pattern, e.nextHop, windowText(e.validFrom, e.validUntil), e.bandwidthBps ?? '-', e.peerAd, String(e.causeSeq)];
const HEAD = ['PATTERN', 'NEXT HOP', 'WINDOW', 'BANDWIDTH', 'PEER', 'CAUSE SEQ'];

/** An ISO time option, or now; undefined when it does not parse (reported). */
function timeOption(text: string | boolean | undefined, name: string, io: CommandIo): number | undefined {
  return typeof text === 'string' ? isoTime(text, name, io) : Date.now();
}

export async function fibCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    io.out.write(FIB_USAGE);
    return EXIT.ok;
  }
  if (sub !== 'show' && sub !== 'lookup' && sub !== 'watch' && sub !== 'export') {
    io.err.write(`dpp fib: ${sub === undefined ? 'a subcommand is required' : `unknown subcommand "${sub}"`}\n\n${FIB_USAGE}`);
    return EXIT.usage;
  }
  const options = await fibOptions(rest, io, FIB_USAGE, {
    format: { type: 'string' },
    'local-node': { type: 'string' },
    epoch: { type: 'string' },
    'horizon-hours': { type: 'string' },
    'default-rate-bps': { type: 'string' },
    out: { type: 'string' },
    follow: { type: 'boolean' },
    check: { type: 'boolean' },
    'ion-duct-template': { type: 'string' },
    at: { type: 'string' },
  });
  if (typeof options === 'number') return options;
  const at = typeof options.values['at'] === 'string' ? isoTime(options.values['at'], '--at', io) : undefined;
  if (typeof options.values['at'] === 'string' && at === undefined) return EXIT.invalid;
  if (at !== undefined && sub !== 'show' && sub !== 'lookup') {
    io.err.write(`dpp fib ${sub}: --at is for show and lookup (${sub === 'export' ? 'an export holds every contact, each with its window' : 'a watch follows the table as it changes'})\n\n${FIB_USAGE}`);
    return EXIT.usage;
  }
  if (options.gateway === '' || options.positionals.length !== (sub === 'lookup' ? 1 : 0)) {
    io.err.write(`dpp fib ${sub}: ${options.gateway === '' ? '--gateway or a --config FILE with a gateway is required' : sub === 'lookup' ? 'expected one EID' : 'unexpected arguments'}\n\n${FIB_USAGE}`);
    return EXIT.usage;
  }
  const open = (nc: NatsConnection, onChange?: Parameters<typeof GatewayFib.open>[1]['onChange']) =>
    GatewayFib.open(nc, { gateway: options.gateway, bucketPrefix: options.prefix, ...(onChange ? { onChange } : {}), onError: (error) => io.err.write(`dpp: skipped: ${error}\n`) });
  switch (sub) {
    case 'show':
      return withNats(options.nats, io, async (nc) => {
        const fib = await open(nc);
        const entries = fib.entries(at);
        const when = at === undefined ? '' : ` in force at ${new Date(at).toISOString()}`;
        if (options.json) for (const e of entries) io.out.write(`${JSON.stringify(e)}\n`);
        else io.out.write(`gateway ${options.gateway}, revision ${fib.revision}: ${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}${when}\n${table([HEAD, ...entries.map(cells)])}`);
        await fib.close();
        return EXIT.ok;
      });
    case 'lookup':
      return withNats(options.nats, io, async (nc) => {
        const fib = await open(nc);
        const eid = options.positionals[0]!;
        const entry = fib.lookup(eid, at);
        await fib.close();
        if (options.json) io.out.write(`${JSON.stringify({ eid, entry: entry ?? null })}\n`);
        else io.out.write(entry ? `${eid} → ${entry.nextHop} (${entry.pattern}, learned from ${entry.peerAd})\n` : `${eid}: no route\n`);
        return entry ? EXIT.ok : EXIT.invalid;
      });
    case 'watch':
      return withNats(options.nats, io, async (nc) => {
        const fib = await open(nc, ({ pattern, validFrom, entry, revision }) =>
          io.out.write(
            options.json
              ? `${JSON.stringify({ revision, pattern, validFrom: validFrom ?? null, entry: entry ?? null })}\n`
              : `${revision}  ${entry ? `put     ${cells(entry).join('  ')}` : `delete  ${pattern}${validFrom === undefined ? '' : ` from ${new Date(validFrom).toISOString()}`}`}\n`,
          ),
        );
        io.err.write(`dpp: watching gateway ${options.gateway} from revision ${fib.revision} (${fib.size} entries); Ctrl-C stops\n`);
        const stopped = await Promise.race([stopSignal().then(() => true), fib.ended.then(() => false, () => false)]);
        await fib.close();
        if (!stopped) io.err.write(`dpp: the FIB of gateway ${options.gateway} stopped following its bucket (the connection closed)\n`);
        return stopped ? EXIT.ok : EXIT.invalid;
      }, { reconnect: true });
    default: {
      const format = options.values['format'] as PlanFormat;
      const localNode = intOption(options.values['local-node'], '--local-node', 1, io);
      const epoch = typeof options.values['epoch'] === 'string' ? isoTime(options.values['epoch'], '--epoch', io) : 0;
      const horizon = intOption(options.values['horizon-hours'], '--horizon-hours', 24, io);
      const defaultRate = intOption(options.values['default-rate-bps'], '--default-rate-bps', 1_000_000, io);
      if (!PLAN_FORMATS.includes(format)) {
        io.err.write(`dpp fib export: --format must be ${PLAN_FORMATS.join(', ')}\n\n${FIB_USAGE}`);
        return EXIT.usage;
      }
      if (localNode === undefined || epoch === undefined || horizon === undefined || defaultRate === undefined) return EXIT.invalid;
      // ION: the node pairs of the file before, whose contacts a reload deletes first.
      let replaces: [number, number][] = [];
      const render = (entries: readonly FibEntry[]): string => {
        const now = Date.now();
        const duct = options.values['ion-duct-template'];
        const plan = exportPlan(format, entries, { localNode, from: now, horizon: now + horizon * 3_600_000, hdtnEpoch: epoch, defaultRateBps: defaultRate, replaces, ...(typeof duct === 'string' ? { ionDuctTemplate: duct } : {}) });
        replaces = plan.pairs;
        for (const note of plan.notes) io.err.write(`dpp: ${note}\n`);
        return plan.text;
      };
      if (options.values['check'] === true) {
        return withNats(options.nats, io, async (nc) => {
          const fib = await open(nc);
          const text = render(fib.entries());
          await fib.close();
          const problems = checkPlan(format, text);
          for (const problem of problems) io.err.write(`dpp: the ${format} grammar refuses ${problem}\n`);
          io.out.write(problems.length === 0 ? `${format}: ${text.split('\n').filter(Boolean).length} lines, all accepted by the ${format} grammar\n` : '');
          return problems.length === 0 ? EXIT.ok : EXIT.invalid;
        });
      }
      const out = options.values['out'];
      if (options.values['follow'] !== true) {
        return withNats(options.nats, io, async (nc) => {
          const fib = await open(nc);
          const text = render(fib.entries());
          await fib.close();
          if (typeof out === 'string') await writeAtomically(out, text);
          else io.out.write(text);
          return EXIT.ok;
        });
      }
      if (typeof out !== 'string') {
        io.err.write(`dpp fib export: --follow needs --out FILE (the file a router reloads)\n\n${FIB_USAGE}`);
        return EXIT.usage;
      }
      // A live subscriber: the file follows the FIB, rewritten whole (and atomically) once deltas pause.
      return withNats(
        options.nats,
        io,
        async (nc) => {
          let timer: NodeJS.Timeout | undefined;
          let writing = Promise.resolve();
          let fib: GatewayFib | undefined;
          const rewrite = () => {
            clearTimeout(timer);
            timer = setTimeout(() => (writing = writing.then(() => writeAtomically(out, render(fib!.entries())))), 200);
          };
          fib = await open(nc, () => fib && rewrite());
          await writeAtomically(out, render(fib.entries()));
          io.err.write(`dpp: ${out} follows gateway ${options.gateway} from revision ${fib.revision}; Ctrl-C stops\n`);
          const stopped = await Promise.race([stopSignal().then(() => true), fib.ended.then(() => false, () => false)]);
          clearTimeout(timer);
          await writing;
          await fib.close();
          return stopped ? EXIT.ok : EXIT.invalid;
        },
        { reconnect: true },
      );
    }
  }
}

/** The file replaced whole, so a router reloading it never reads half of it. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

export async function contactsCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === '--help' || sub === '-h') {
    io.out.write(CONTACTS_USAGE);
    return EXIT.ok;
  }
  const options = await fibOptions(rest, io, CONTACTS_USAGE, { ad: { type: 'string' }, format: { type: 'string' }, 'local-node': { type: 'string' }, epoch: { type: 'string' }, 'min-confidence': { type: 'string' }, stream: { type: 'string' } });
  if (typeof options === 'number') return options;
  const { ad, format: given, stream } = options.values as { ad?: string; format?: string; stream: string };
  const file = options.positionals[0];
  if (sub !== 'import' || file === undefined || options.positionals.length !== 1 || ad === undefined || options.values['local-node'] === undefined) {
    io.err.write(`dpp contacts: ${sub !== 'import' ? 'the subcommand is import' : file === undefined ? 'a contact plan FILE is required' : ad === undefined ? '--config FILE or --ad is required' : '--local-node is required'}\n\n${CONTACTS_USAGE}`);
    return EXIT.usage;
  }
  const format = given ?? (file.endsWith('.json') ? 'hdtn' : 'ion');
  const localNode = intOption(options.values['local-node'], '--local-node', 1, io);
  const epoch = timeOption(options.values['epoch'], '--epoch', io);
  const minConfidence = options.values['min-confidence'] === undefined ? 0.5 : Number(options.values['min-confidence']);
  if (!(minConfidence >= 0 && minConfidence <= 1)) {
    io.err.write(`dpp contacts: --min-confidence must be a number from 0 to 1\n`);
    return EXIT.usage;
  }
  if (localNode === undefined || epoch === undefined) return EXIT.invalid;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    io.err.write(`dpp: ${file}: ${(error as Error).message}\n`);
    return EXIT.invalid;
  }
  const parsed = readPlan(format, text, epoch, minConfidence, (note) => io.err.write(`dpp: ${file}: skipped ${note}\n`));
  if (Result.isFailure(parsed)) {
    io.err.write(parsed.failure.split('\n').map((e) => `dpp: ${file}: ${e}\n`).join(''));
    return EXIT.invalid;
  }
  const contacts = parsed.success;
  const { events, skipped } = contactRoutes(contacts, localNode, ad);
  return withNats(options.nats, io, async (nc) => {
    // A plan imported again (A, B, A) is applied again.
    await publishLocal(nc, stream, 'contacts', events);
    io.out.write(`${contacts.length - skipped.length} contact${contacts.length - skipped.length === 1 ? '' : 's'} from node ${localNode} originated as scheduled routes; ${skipped.length} between other nodes or with itself skipped\n`);
    return EXIT.ok;
  });
}

/** A contact plan's contacts, or every problem with it, a line each; lines that give no route go to `skipped`. */
function readPlan(format: string, text: string, epoch: number, minConfidence: number, skipped: (note: string) => void): Result.Result<Contact[], string> {
  if (format === 'hdtn') {
    const read = fromHdtnPlan(text, epoch);
    if (Result.isSuccess(read)) read.success.skipped.forEach(skipped);
    return Result.map(read, (plan) => plan.contacts);
  }
  if (format !== 'ion') return Result.fail(`--format must be ion or hdtn, not "${format}"`);
  const { contacts, skipped: notes, errors } = fromIonContacts(text, epoch, minConfidence);
  for (const note of notes) skipped(note);
  return errors.length > 0 ? Result.fail(errors.join('\n')) : Result.succeed(contacts);
}
