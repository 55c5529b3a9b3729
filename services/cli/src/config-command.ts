import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Result, Schema } from 'effect';
import { loadDppFile, readDppYaml } from '#libs/config';
import { compilePolicy, PolicyFile, policyVersion } from '#libs/policy';
import { loadFibExportConfig, loadPolicyConfig, loadRibConfig, loadSpeakerConfig, loadWebConfig } from '#libs/service-config';
import { commandLine, table } from './command-line.ts';
import { EXIT, type CommandIo } from './io.ts';

export const CONFIG_USAGE = `usage: dpp config check FILE [--json]
       dpp config reload FILE

Checks a speaker's config file for each of its services (session, policy, RIB, FIB export) as
that service would read it at start: files it names are read (keys, certificates), the policy is
compiled. A service whose part the file does not have is reported as not configured. Exits 0
when every configured service would start, 1 otherwise (each problem on stderr, naming the file
and the field, all in one pass: a file whose fields do not decode still has its policy compiled
and the key and certificate files it names read), 2 on a wrong command line.

reload sends SIGHUP to every dpp service on this machine running with FILE (those dpp up
started too): each reads it again and applies it without touching what it does not
change (README, "Live reload"). Exits 1 when no service runs with FILE. Linux only (it reads /proc).
`;

/** A service's verdict on the file: ok with a summary, not configured, or its problems. */
type Check = { readonly service: string; readonly status: 'ok' | 'not configured' | 'invalid'; readonly detail: string };

export async function configCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = commandLine(args, io, CONFIG_USAGE, {});
  if (typeof parsed === 'number') return parsed;
  const [sub, file, ...extra] = parsed.positionals;
  if ((sub !== 'check' && sub !== 'reload') || file === undefined || extra.length > 0) {
    io.err.write(`dpp config: expected "check FILE" or "reload FILE"\n\n${CONFIG_USAGE}`);
    return EXIT.usage;
  }
  if (sub === 'reload') return reload(file, io);
  const raw = await loadDppFile(file);
  if (Result.isFailure(raw)) {
    // Every problem in one pass: those the schema found, and those of the parts it did not stop at.
    io.err.write(`${[raw.failure, ...(await pastTheSchema(file))].join('\n')}\n`);
    return EXIT.invalid;
  }
  const has = raw.success;
  const check = async <C>(service: string, configured: boolean, missing: string, load: (path: string) => Promise<Result.Result<C, string>>, summary: (c: C) => string): Promise<Check> => {
    if (!configured) return { service, status: 'not configured', detail: missing };
    const loaded = await load(file);
    return Result.isSuccess(loaded) ? { service, status: 'ok', detail: summary(loaded.success) } : { service, status: 'invalid', detail: loaded.failure };
  };
  const checks = [
    await check('session', has.key_file !== undefined || has.tls !== undefined || has.dns !== undefined, 'no key_file, tls or dns', loadSpeakerConfig, (c) =>
      [`${c.dial.length} peers to dial`, c.listen ? `listening on ${c.listen.host}:${c.listen.port}` : 'not listening', ...c.warnings.map(() => 'with warnings (see dpp session)')].join(', '),
    ),
    await check('policy', true, '', loadPolicyConfig, (c) => `${c.peers.length} peers with an Adj-RIB-Out, policy version ${policyVersion(c.policyFile)}`),
    await check('rib', has.checkpoint !== undefined, 'no checkpoint', loadRibConfig, (c) => `checkpoint ${c.checkpoint}`),
    await check('fib-export', has.gateways !== undefined, 'no gateways', loadFibExportConfig, (c) => `gateways ${c.gateways.map((g) => g.name).join(', ')}`),
    await check('web', has.web !== undefined, 'no web', loadWebConfig, (c) => `looking glass on ${c.host}:${c.port}${c.token === undefined ? '' : ', token required'}`),
  ];
  if (parsed.values['json']) for (const c of checks) io.out.write(`${JSON.stringify(c)}\n`);
  else io.out.write(table([['SERVICE', 'STATUS', 'DETAIL'], ...checks.map((c) => [c.service, c.status, c.status === 'invalid' ? 'see below' : c.detail])]));
  for (const c of checks) if (c.status === 'invalid') io.err.write(`${c.detail}\n`);
  return checks.some((c) => c.status === 'invalid') ? EXIT.invalid : EXIT.ok;
}

/**
 * The problems a file whose schema failed still has in the parts a service would check next: its
 * policy compiled (when the `policy:` section itself decodes), and the files it names read.
 */
async function pastTheSchema(path: string): Promise<string[]> {
  const raw = await readDppYaml(path);
  if (Result.isFailure(raw) || typeof raw.success !== 'object' || raw.success === null) return [];
  const file = raw.success as { policy?: unknown; key_file?: unknown; tls?: unknown };
  const problems: string[] = [];
  const policy = Schema.decodeUnknownResult(PolicyFile)(file.policy, { onExcessProperty: 'error' });
  if (file.policy !== undefined && Result.isSuccess(policy)) problems.push(...compilePolicy(policy.success, `${path}: policy`).problems);
  const tls = typeof file.tls === 'object' && file.tls !== null ? (file.tls as Record<string, unknown>) : {};
  const named: [string, unknown][] = [['key_file', file.key_file], ['tls.cert', tls['cert']], ['tls.key', tls['key']], ['tls.ca', tls['ca']]];
  for (const [field, name] of named) {
    if (typeof name !== 'string') continue;
    await readFile(resolve(dirname(path), name)).catch((error: Error) => problems.push(`${path}: ${field}: ${error.message}`));
  }
  return problems;
}

/** The dpp services running with this config file: from each process's command line and working directory. */
function servicesRunning(file: string): { pid: number; service: string }[] {
  const wanted = resolve(file);
  const found: { pid: number; service: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const bin = args.findIndex((a) => a.endsWith('bin/dpp.js') || a.endsWith('.bin/dpp'));
      const service = args[bin + 1];
      if (bin < 0 || service === undefined || !['session', 'policy', 'rib', 'fib-export', 'web'].includes(service)) continue;
      const cwd = readlinkSync(`/proc/${pid}/cwd`);
      const configs = args.flatMap((a, i) => (a === '--config' && args[i + 1] !== undefined ? [resolve(cwd, args[i + 1]!)] : []));
      if (configs.includes(wanted)) found.push({ pid, service });
    } catch {
      // A process gone meanwhile, or not ours to read.
    }
  }
  return found;
}

function reload(file: string, io: CommandIo): number {
  const running = servicesRunning(file);
  if (running.length === 0) {
    io.err.write(`dpp config reload: no dpp service runs with ${resolve(file)}\n`);
    return EXIT.invalid;
  }
  for (const { pid, service } of running) {
    process.kill(pid, 'SIGHUP');
    io.out.write(`${service} (pid ${pid}): SIGHUP sent\n`);
  }
  return EXIT.ok;
}
