import { apiSubject, askAll, STATUS_ENDPOINT, type ServiceStatus } from '#libs/api';
import { adToken } from '#libs/tables';
import { commandLine, duration, table } from './command-line.ts';
import { configDefaults } from './config-defaults.ts';
import { EXIT, type CommandIo } from './io.ts';
import { withNats } from './with-nats.ts';

export const STATUS_USAGE = `usage: dpp status --config FILE [--json]

Every running service of the speaker whose config FILE is given, at every site, as each says of
itself over NATS within a second: host, pid, uptime, restarts (by dpp up), lag (what it has still
to apply of its input), and what it holds. Exits 1 when none answers.
`;

const ORDER = ['session', 'policy', 'rib', 'fib-export', 'web'];

export async function statusCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = commandLine(args, io, STATUS_USAGE, { config: { type: 'string' } });
  if (typeof parsed === 'number') return parsed;
  if (typeof parsed.values['config'] !== 'string' || parsed.positionals.length > 0) {
    io.err.write(`dpp status: ${parsed.positionals.length > 0 ? `unexpected ${parsed.positionals[0]}` : '--config is required'}\n\n${STATUS_USAGE}`);
    return EXIT.usage;
  }
  const defaults = await configDefaults(parsed.values['config'], io);
  if (typeof defaults === 'number') return defaults;
  const ad = defaults.ad!;
  return withNats(defaults.nats, io, async (nc) => {
    const now = Date.now();
    const answers = (await askAll<ServiceStatus>(nc, apiSubject(adToken(ad), STATUS_ENDPOINT), {})).sort((a, b) => ORDER.indexOf(a.service) - ORDER.indexOf(b.service) || a.host.localeCompare(b.host) || a.pid - b.pid);
    if (answers.length === 0) {
      io.err.write(`dpp status: no service of ${ad} answers on ${defaults.nats}: none runs, or they use another NATS\n`);
      return EXIT.invalid;
    }
    if (parsed.values['json']) for (const a of answers) io.out.write(`${JSON.stringify({ ...a, uptimeMs: now - a.startedAt })}\n`);
    else {
      const text = (v: unknown): string => (Array.isArray(v) ? v.map(text).join(', ') : typeof v === 'object' && v !== null ? Object.entries(v).map(([k, x]) => `${k} ${text(x)}`).join(', ') : String(v));
      const detail = (a: ServiceStatus) => Object.entries(a.detail).map(([k, v]) => `${k}: ${text(v)}`).join('; ');
      io.out.write(table([['SERVICE', 'HOST', 'PID', 'UPTIME', 'RESTARTS', 'LAG', 'DETAIL'], ...answers.map((a) => [a.service, a.host, String(a.pid), duration(now - a.startedAt), String(a.restarts), a.lag === undefined ? '-' : String(a.lag), detail(a)])]));
    }
    return EXIT.ok;
  });
}
