import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { loadDppFile, streamsOf } from '#libs/config';
import { GatewayFib } from '#libs/gateway-client';
import { startNatsServer, type NatsServer } from '#libs/lab';
import { localUpdate, publishLocal } from '#libs/local-routes';
import { DEMO_ADS, prepareDemo } from './demo.ts';
import { Supervisor, type ServiceSpec } from './supervisor.ts';
import { connectNats, natsOptions } from '#libs/streams';

/** A line for whoever started the stack. */
type Say = (line: string) => void;

/** A path as the operator would type it from here: relative inside the working directory, else absolute. */
const shown = (path: string): string => (path.startsWith(process.cwd() + sep) ? relative(process.cwd(), path) : path);

/** The services a speaker's file configures, in the order they start, with the log line that says each is up. */
async function servicesOf(config: string, logDir: string, env: Readonly<Record<string, string>>): Promise<ServiceSpec[]> {
  const file = await loadDppFile(config);
  if (Result.isFailure(file)) throw new Error(file.failure);
  const f = file.success;
  const metrics = (port: number | undefined) => (port === undefined ? undefined : `http://${f.metrics?.host ?? '127.0.0.1'}:${port}/metrics`);
  const wanted: [string, boolean, RegExp, string | undefined][] = [
    ['rib', f.checkpoint !== undefined, /"RIB resumed"/, metrics(f.metrics?.rib)],
    ['policy', true, /"policy service running"/, metrics(f.metrics?.policy)],
    ['session', f.key_file !== undefined || f.tls !== undefined || f.dns !== undefined, /"session service running"/, metrics(f.metrics?.session)],
    ['fib-export', f.gateways !== undefined, /"FIB export running"/, metrics(f.metrics?.fib_export)],
    ['web', f.web !== undefined, /"looking glass running"/, f.web && `http://${f.web.host ?? '127.0.0.1'}:${f.web.port}/`],
  ];
  mkdirSync(logDir, { recursive: true });
  return wanted
    .filter(([, on]) => on)
    .map(([service, , ready, url]) => ({
      name: `${f.ad}/${service}`,
      args: [service, '--config', config],
      logFile: join(logDir, `${f.ad}-${service}.log`),
      ready,
      env,
      url,
    }));
}

export interface Stack {
  readonly natsUrl: string;
  stop(): Promise<void>;
}

/**
 * The speaker stack (README's main command): for each config file, its services as supervised
 * processes; a nats-server of its own (store in `<data>/nats`) when a file names none and
 * DPP_NATS_URL is unset. Without config files, the demo: three ADs on loopback with a DNS lab
 * for their identities, routes originated, and ESA's gateway subscribed to its FIB, whose changes
 * are said as they come.
 */
export async function startStack(options: { configs: readonly string[]; dataDir: string; say: Say }): Promise<Stack> {
  const { dataDir, say } = options;
  const demo = options.configs.length === 0;
  const cleanups: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error: Error) => say(`while stopping: ${error.message}`));
  };
  try {
    let natsUrl = process.env['DPP_NATS_URL'];
    const needsNats = demo || (natsUrl === undefined && (await Promise.all(options.configs.map(loadDppFile))).some((f) => Result.isSuccess(f) && f.success.nats?.url === undefined));
    let nats: NatsServer | undefined;
    if (needsNats && natsUrl === undefined) {
      nats = await startNatsServer({ storeDir: join(dataDir, 'nats') });
      cleanups.push(() => nats!.stop());
      natsUrl = nats.url;
      say(`nats-server   ${natsUrl}  (JetStream store ${shown(join(dataDir, 'nats'))})`);
    }
    const env: Record<string, string> = natsUrl === undefined ? {} : { DPP_NATS_URL: natsUrl };
    let configs = options.configs;
    if (demo) {
      const prepared = await prepareDemo(dataDir, natsUrl!);
      cleanups.push(prepared.cleanup);
      say(`DNS lab       knot signs example.test with DNSSEC; unbound validates at ${prepared.resolver}`);
      configs = [...prepared.configs.values()];
    }
    const supervisor = new Supervisor(say);
    cleanups.push(() => supervisor.stop());
    const specs = (await Promise.all(configs.map((c) => servicesOf(c, join(dataDir, 'logs'), env)))).flat();
    await Promise.all(specs.map((spec) => supervisor.start(spec)));
    say('');
    say(['SERVICE'.padEnd(30), 'PID'.padEnd(8), 'URL'.padEnd(38), 'LOG'].join(''));
    for (const s of supervisor.list()) say([s.name.padEnd(30), String(s.pid).padEnd(8), (s.url ?? '-').padEnd(38), shown(s.log)].join(''));
    say('');
    if (demo) cleanups.push(await runDemo(natsUrl!, dataDir, say));
    say(demo ? demoTries(dataDir) : `dpp is up (NATS ${natsUrl === undefined ? 'as configured' : natsOptions(natsUrl).servers.join(',')}). Ctrl-C stops everything.`);
    return { natsUrl: natsUrl ?? '', stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

const demoConfig = (dataDir: string, ad: string) => shown(join(dataDir, ad, 'dpp.yaml'));

/** The demo's routes originated, and ESA's gateway following its FIB; returns how to stop following. */
async function runDemo(natsUrl: string, dataDir: string, say: Say): Promise<() => Promise<void>> {
  const nc: NatsConnection = await connectNats(natsUrl, 'dpp-up demo');
  for (const demo of DEMO_ADS.filter((d) => d.originates.length > 0)) {
    const config = Result.getOrThrow(await loadDppFile(join(dataDir, demo.ad, 'dpp.yaml')));
    await publishLocal(nc, streamsOf(config).ribInput, 'originate', [localUpdate(demo.ad, { accepted: { patterns: demo.originates, metric: 10 } })]);
    say(`${demo.ad} originates ${demo.originates.join(', ')}`);
  }
  const gateways = DEMO_ADS.filter((d) => d.gateway !== undefined);
  const fibs = await Promise.all(
    gateways.map((d) =>
      GatewayFib.open(nc, {
        gateway: d.gateway!,
        bucketPrefix: `dpp-${d.token}-fib`,
        onChange: ({ pattern, entry }) =>
          say(entry ? `gateway ${d.gateway}: + ${pattern} via ${entry.nextHop} (${entry.adPath.length === 0 ? 'originated here' : `AD_PATH ${entry.adPath.join(' ')}`})` : `gateway ${d.gateway}: - ${pattern}`),
      }),
    ),
  );
  return async () => {
    for (const fib of fibs) await fib.close();
    await nc.close();
  };
}

function demoTries(dataDir: string): string {
  const [dsn, esa, mars] = DEMO_ADS.map((d) => demoConfig(dataDir, d.ad));
  return `dpp is up: three ADs on loopback, mars.example.test – dsn.example.test – esa.example.test, each with its
session, policy and RIB services (ESA also its FIB export). Routes from Mars reach ESA's gateway
through the DSN, which re-advertises them with its own gateway (node 20 for routes to nodes, which
DTN routers' contact plans can name). Try, in another terminal:

  npx dpp status --config ${dsn}
  npx dpp show peers mars.example.test --config ${dsn}
  npx dpp show routes --for ipn:200.5.1 --all --config ${esa}
  npx dpp fib show --config ${esa}
  npx dpp fib export --format ion --local-node 30 --config ${esa}
  npx dpp explain 'ipn:200.*.*' --config ${esa}
  a browser at each AD's web URL in the table above: its looking glass (peers, routes, the
  contact timeline, time travel)
  npx dpp policy counters --config ${dsn}
  npx dpp policy explain 'ipn:200.*.*' --config ${dsn}
  npx dpp originate 'ipn:200.7.*' --config ${mars}  (and watch it reach esa-gw here)
  npx dpp withdraw 'ipn:300.*.*' --config ${esa}

Configs and logs are under ${shown(dataDir)}/. Ctrl-C stops everything.`;
}

/**
 * Why `--fresh` must not empty `dataDir`, if it must not: it holds what dpp up did not write
 * there (it may be a directory given by mistake), or a config file's checkpoint, outside it, holds
 * the RIB of the NATS store it would empty (the RIB would then pass over the new log's first events).
 */
export async function freshProblem(dataDir: string, configs: readonly string[]): Promise<string | undefined> {
  const ours = new Set(['nats', 'logs', ...DEMO_ADS.map((d) => d.ad)]);
  const other = existsSync(dataDir) ? readdirSync(dataDir).find((name) => !ours.has(name)) : undefined;
  if (other !== undefined) return `${dataDir} holds ${other}, which dpp up did not write there: empty it yourself, or give --data a directory of dpp up's`;
  for (const config of configs) {
    const file = await loadDppFile(config);
    if (Result.isFailure(file) || file.success.checkpoint === undefined) continue;
    const checkpoint = resolve(dirname(config), file.success.checkpoint);
    const embedded = file.success.nats?.url === undefined && process.env['DPP_NATS_URL'] === undefined;
    if (embedded && existsSync(checkpoint)) return `${config}'s checkpoint ${checkpoint} holds the RIB of the NATS store --fresh empties: move it aside too, or leave out --fresh`;
  }
  return undefined;
}

/** The directory the stack keeps its data in by default: `.dpp` in the project. */
export const DEFAULT_DATA_DIR = join(dirname(new URL(import.meta.url).pathname), '..', '..', '..', '.dpp');
