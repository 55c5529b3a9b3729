import { Result } from 'effect';
import { loadDppFile, streamsOf } from '#libs/config';
import { formatPattern, parseEid, parsePattern } from '#libs/eid';
import { adName } from '#libs/identity';
import { commandLine, intOption, isoTime } from './command-line.ts';
import { EXIT, type CommandIo } from './io.ts';
import { localUpdate, originatedRoutes, publishLocal, routeKey } from '#libs/local-routes';
import { withNats } from './with-nats.ts';

export const ORIGINATE_USAGE = `usage: dpp originate PATTERN... --config FILE [--metric N] [--gateway EID] [--from TIME] [--until TIME]
                                          [--bandwidth BPS] [--max-bundle-size BYTES]
       dpp withdraw PATTERN... --config FILE [--from TIME]

Originates routes of our AD (or withdraws them): written to the RIB input of the speaker whose
config FILE is given, as routes of the neighbor "<AD> local", and sent to peers as export policy
says, with our AD as their AD_PATH. --from and --until (ISO times) make a scheduled route (§6.5);
a withdrawal of a scheduled route names its --from (§6.6). --gateway is where bundles for the
patterns go inside our AD (§6.7; peers get our own gateway instead). A withdrawal takes only the
routes we originate (the RIB input's local events say which): each pattern that names none is
said on stderr, and when none matched nothing is sent. Exits 0 once the RIB input holds them, 1
on an invalid pattern, option or config, or a withdrawal that matched nothing, 2 on a wrong
command line.
`;

const OPTIONS = {
  config: { type: 'string' },
  metric: { type: 'string' },
  gateway: { type: 'string' },
  from: { type: 'string' },
  until: { type: 'string' },
  bandwidth: { type: 'string' },
  'max-bundle-size': { type: 'string' },
} as const;

export async function originateCommand(args: readonly string[], io: CommandIo, withdraw = false): Promise<number> {
  const name = withdraw ? 'withdraw' : 'originate';
  const parsed = commandLine(args, io, ORIGINATE_USAGE, OPTIONS);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const file = values['config'];
  const onlyOriginate = ['metric', 'gateway', 'until', 'bandwidth', 'max-bundle-size'].filter((o) => withdraw && values[o] !== undefined);
  if (typeof file !== 'string' || positionals.length === 0 || onlyOriginate.length > 0) {
    io.err.write(`dpp ${name}: ${typeof file !== 'string' ? '--config is required' : positionals.length === 0 ? 'name at least one PATTERN' : `--${onlyOriginate[0]} is for dpp originate`}\n\n${ORIGINATE_USAGE}`);
    return EXIT.usage;
  }
  const config = await loadDppFile(file);
  if (Result.isFailure(config)) {
    io.err.write(`${config.failure}\n`);
    return EXIT.invalid;
  }
  const ad = adName(config.success.ad);
  const problems: string[] = Result.isFailure(ad) ? [`${file}: ad: ${ad.failure}`] : [];
  const patterns = positionals.flatMap((text) => {
    const p = parsePattern(text);
    if (!p.ok) problems.push(`"${text}": ${p.error.message}`);
    return p.ok ? [formatPattern(p.value)] : [];
  });
  const gateway = values['gateway'];
  if (typeof gateway === 'string' && !parseEid(gateway).ok) problems.push(`--gateway "${gateway}": not an EID; write ipn:N.S, ipn:A.N.S or dtn://name/`);
  for (const line of problems) io.err.write(`dpp: ${line}\n`);
  const time = (option: 'from' | 'until') => (typeof values[option] === 'string' ? isoTime(values[option], `--${option}`, io) ?? NaN : undefined);
  const [validFrom, validUntil] = [time('from'), time('until')];
  const metric = intOption(values['metric'], '--metric', 0, io);
  const bandwidth = intOption(values['bandwidth'], '--bandwidth', 0, io);
  const maxBundleSize = intOption(values['max-bundle-size'], '--max-bundle-size', 0, io);
  if (problems.length > 0 || Result.isFailure(ad) || [validFrom, validUntil].some(Number.isNaN) || metric === undefined || bandwidth === undefined || maxBundleSize === undefined) return EXIT.invalid;
  if (validFrom !== undefined && validUntil !== undefined && validUntil <= validFrom) {
    io.err.write(`dpp: --until must be after --from\n`);
    return EXIT.invalid;
  }
  const streams = streamsOf(config.success);
  const accepted = {
    patterns,
    metric,
    gatewayEid: typeof gateway === 'string' ? gateway : undefined,
    validFrom,
    validUntil,
    bandwidthBps: values['bandwidth'] === undefined ? undefined : String(bandwidth),
    maxBundleSize: values['max-bundle-size'] === undefined ? undefined : maxBundleSize,
  };
  return withNats(streams.natsUrl, io, async (nc) => {
    if (!withdraw) {
      await publishLocal(nc, streams.ribInput, name, [localUpdate(ad.success, { accepted })]);
      io.out.write(`${patterns.length} route${patterns.length === 1 ? '' : 's'} originated by ${ad.success}\n`);
      return EXIT.ok;
    }
    // Only what we originate is withdrawn: a pattern that names nothing of ours is said, not sent.
    const ours = await originatedRoutes(nc, streams.ribInput, ad.success);
    const window = validFrom === undefined ? '' : ` from ${new Date(validFrom).toISOString()}`;
    const matched = patterns.filter((p) => ours.has(routeKey(p, validFrom)));
    for (const p of patterns.filter((p) => !matched.includes(p))) io.err.write(`dpp: ${p}${window}: no route of ${ad.success} (dpp originate makes them); nothing withdrawn for it\n`);
    if (matched.length === 0) {
      io.out.write(`nothing matched: no route withdrawn\n`);
      return EXIT.invalid;
    }
    await publishLocal(nc, streams.ribInput, name, [localUpdate(ad.success, { withdrawn: { patterns: matched, validFrom } })]);
    io.out.write(`${matched.length} route${matched.length === 1 ? '' : 's'} withdrawn by ${ad.success}\n`);
    return EXIT.ok;
  });
}

export const withdrawCommand = (args: readonly string[], io: CommandIo): Promise<number> => originateCommand(args, io, true);
