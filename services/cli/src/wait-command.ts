import { jetstreamManager } from '@nats-io/jetstream';
import { Result } from 'effect';
import { apiSubject, askAll, STATUS_ENDPOINT, type ServiceStatus } from '#libs/api';
import { adToken } from '#libs/tables';
import { loadFibExportConfig, loadPolicyConfig } from '#libs/service-config';
import { commandLine, intOption } from './command-line.ts';
import { EXIT, type CommandIo } from './io.ts';
import { withNats } from './with-nats.ts';

export const WAIT_USAGE = `usage: dpp wait --config FILE [--seq N] [--timeout SECONDS]

Waits until every peer event up to the peer log's sequence N (default: its last one now) has gone
all the way through the speaker whose config FILE is given: judged by the import stage, applied by
the RIB (its changes published and checkpointed), and in every gateway's FIB and every peer's
Adj-RIB-Out. Each stage is asked over NATS (dpp status) and must have passed the point the stage
before reached; with several instances of a stage (sites), every one must. Exits 0 then, and 1 at
the timeout (default 60 s), naming the stage that has not caught up: for scripts and tests that
must act on a state, not on a guess of when it is reached.
`;

/** A stage that has not caught up yet: what it is and where it stands. */
type Behind = string | undefined;

export async function waitCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = commandLine(args, io, WAIT_USAGE, { config: { type: 'string' }, seq: { type: 'string' }, timeout: { type: 'string' } });
  if (typeof parsed === 'number') return parsed;
  const file = parsed.values['config'];
  if (typeof file !== 'string' || parsed.positionals.length > 0) {
    io.err.write(`dpp wait: ${typeof file !== 'string' ? '--config is required' : `unexpected ${parsed.positionals[0]}`}\n\n${WAIT_USAGE}`);
    return EXIT.usage;
  }
  const timeout = intOption(parsed.values['timeout'], '--timeout', 60, io);
  const seq = parsed.values['seq'] === undefined ? undefined : intOption(parsed.values['seq'], '--seq', 0, io);
  if (timeout === undefined || (parsed.values['seq'] !== undefined && seq === undefined)) return EXIT.invalid;
  const loaded = await loadPolicyConfig(file);
  if (Result.isFailure(loaded)) {
    io.err.write(`${loaded.failure}\n`);
    return EXIT.invalid;
  }
  const config = loaded.success;
  const gateways = await loadFibExportConfig(file);
  return withNats(config.natsUrl, io, async (nc) => {
    const deadline = Date.now() + timeout * 1000;
    const lastOf = async (stream: string) => (await (await jetstreamManager(nc)).streams.info(stream)).state.last_seq;
    const statuses = () => askAll<ServiceStatus>(nc, apiSubject(adToken(config.localAd), STATUS_ENDPOINT), {}, 300);
    /** Polls until `behind` says nothing is; false at the deadline, said on stderr. */
    const until = async (behind: (all: readonly ServiceStatus[]) => Behind): Promise<boolean> => {
      for (;;) {
        const why = behind(await statuses());
        if (why === undefined) return true;
        if (Date.now() > deadline) {
          io.err.write(`dpp wait: not there after ${timeout} s: ${why}\n`);
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    const of = (all: readonly ServiceStatus[], service: string) => all.filter((s) => s.service === service);
    const detail = (s: ServiceStatus, key: string) => s.detail[key];
    const target = seq ?? (await lastOf(config.peerEvents));
    const imported = await until((all) => {
      const stages = of(all, 'policy');
      if (stages.length === 0) return 'no policy service answers';
      const late = stages.find((s) => Number(detail(s, 'importedThrough')) < target);
      return late && `the import stage (${late.host} pid ${late.pid}) has judged peer events up to ${String(detail(late, 'importedThrough'))}, not yet ${target}`;
    });
    if (!imported) return EXIT.invalid;
    // Every verdict of those events is in the RIB input by now: up to its last message.
    const input = await lastOf(config.ribInput);
    const applied = await until((all) => {
      const ribs = of(all, 'rib');
      if (ribs.length === 0) return 'no RIB answers';
      const late = ribs.find((s) => Number(detail(s, 'appliedThrough')) < input);
      return late && `the RIB (${late.host} pid ${late.pid}) has applied RIB input up to ${String(detail(late, 'appliedThrough'))}, not yet ${input}`;
    });
    if (!applied) return EXIT.invalid;
    const changes = await lastOf(config.locRib);
    const tables = await until((all) => {
      if (Result.isSuccess(gateways) && of(all, 'fib-export').length === 0) return `no FIB export answers (${file} configures gateways ${gateways.success.gateways.map((g) => g.name).join(', ')})`;
      for (const s of [...of(all, 'fib-export'), ...of(all, 'policy')]) {
        const positions = (detail(s, s.service === 'fib-export' ? 'gateways' : 'tables') ?? {}) as Record<string, number | null | undefined>;
        const late = Object.entries(positions).find(([, at]) => (at ?? 0) < changes);
        if (late) return `${s.service === 'fib-export' ? 'gateway' : "peer's Adj-RIB-Out"} ${late[0]} (${s.host} pid ${s.pid}) has Loc-RIB changes up to ${String(late[1] ?? 0)}, not yet ${changes}`;
      }
      return undefined;
    });
    if (!tables) return EXIT.invalid;
    io.out.write(`peer events up to ${target}: judged (RIB input up to ${input}), applied by the RIB (Loc-RIB changes up to ${changes}), in every table\n`);
    return EXIT.ok;
  });
}

