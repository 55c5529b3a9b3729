import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { figure, median, type Figure } from '../lib/figure.ts';
import { ingest, startProcessesStack } from './pipeline.ts';

/** Loopback ends of the BGP session: the BIRD sender, and the receiver under test. */
const SENDER = { address: '127.0.0.1', port: 17_901, as: 65_001 };
const RECEIVER = { address: '127.0.0.2', port: 17_902, as: 65_002, api: 50_071 };
/** GoBGP refuses loopback next hops: the sender sets one of TEST-NET-1, which the BIRD receiver resolves by a static route. */
const NEXT_HOP = '192.0.2.1';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The peers users would pick instead, in the same run (issue 16): GoBGP and BIRD from Debian,
 * each receiving `n` IPv4 routes from a BIRD sender over a BGP session on loopback, timed from
 * Established to all routes held, with the receiver's RSS growth per route; beside each, dpp as
 * `dpp up` runs it (four service processes) ingesting `n` routes from a peer over gRPC/TLS until
 * its gateway holds them. The ratio is dpp ÷ the anchor. Installs `bird2` and `gobgpd` when
 * missing (the bench's set-up only; the tests never need them).
 */
export async function anchors(n: number, runs: number): Promise<Figure[]> {
  install();
  const dir = mkdtempSync(join(tmpdir(), 'dpp-bench-anchors-'));
  try {
    writeFileSync(join(dir, 'routes.conf'), Array.from({ length: n }, (_, i) => `  route ${1 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}.0/24 blackhole;\n`).join(''));
    writeFileSync(join(dir, 'sender.conf'), senderConfig());
    const dpp: number[] = [];
    const dppRss: number[][] = [];
    const gobgp: { rate: number; rss: number }[] = [];
    const bird: { rate: number; rss: number }[] = [];
    for (let r = 0; r < runs; r++) {
      gobgp.push(await timeReceiver(dir, 'gobgp', n));
      bird.push(await timeReceiver(dir, 'bird', n));
      const stack = await startProcessesStack();
      try {
        const before = stack.services.map(rssOf);
        const peer = await stack.establish();
        dpp.push(await ingest(stack, peer, n));
        dppRss.push(stack.services.map((pid, i) => (rssOf(pid) - before[i]!) / n));
        peer.close();
      } finally {
        await stack.stop();
      }
    }
    const notes = {
      routes: n,
      'dpp: RSS growth of its four services, B/route': median(dppRss.map((r) => r.reduce((a, b) => a + b, 0))),
      'dpp: RSS growth of session, policy, RIB, FIB export, B/route': [0, 1, 2, 3].map((i) => Math.round(median(dppRss.map((r) => r[i]!)))).join(', '),
      'GoBGP: RSS growth, B/route': median(gobgp.map((g) => g.rss)),
      'BIRD: RSS growth, B/route': median(bird.map((b) => b.rss)),
      anchors: `gobgpd ${version('gobgpd', '--version')}, ${version('bird', '--version')}`,
    };
    return [
      figure({
        name: `Anchor: ingest of ${n} routes, dpp ÷ GoBGP`,
        unit: 'routes/s',
        measured: { name: 'dpp processes: peer → gateway FIB', runs: dpp },
        baseline: { name: 'GoBGP (gobgpd) from a BIRD sender: Established → all held', runs: gobgp.map((g) => g.rate) },
        targets: { minRatio: 2 },
        notes,
      }),
      figure({
        name: `Anchor: ingest of ${n} routes, dpp ÷ BIRD`,
        unit: 'routes/s',
        measured: { name: 'dpp processes: peer → gateway FIB', runs: dpp },
        baseline: { name: 'BIRD 2 from a BIRD sender: Established → all held', runs: bird.map((b) => b.rate) },
        targets: {},
        notes,
      }),
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The sender loaded first (its session disabled until all its routes are in its table), then
 * receiver `kind`, then the session enabled: routes/s from Established to all `n` held by the
 * receiver, and the receiver's RSS growth per route.
 */
async function timeReceiver(dir: string, kind: 'gobgp' | 'bird', n: number): Promise<{ rate: number; rss: number }> {
  const sender = startBird(dir, 'sender', readFileSync(join(dir, 'sender.conf'), 'utf8'));
  let receiver: ChildProcess | undefined;
  try {
    const deadline = Date.now() + 300_000;
    // Asked every 20 ms: the time measured is up to that much long.
    const wait = async (what: string, done: () => boolean) => {
      while (!done()) {
        if (Date.now() > deadline) throw new Error(`bench anchors: ${kind}: no ${what} after 5 minutes`);
        await sleep(20);
      }
    };
    await wait("sender's routes", () => (birdProtocol(dir, 'sender', 'many')?.routes ?? 0) >= n);
    receiver = kind === 'gobgp' ? startGobgp(dir) : startBird(dir, 'receiver', receiverConfig());
    const probe = kind === 'gobgp' ? gobgpState : () => birdProtocol(dir, 'receiver', 'take');
    await wait('answer from the receiver', () => probe() !== undefined);
    const before = rssOf(receiver.pid!);
    spawnSync('birdc', ['-s', join(dir, 'sender.ctl'), 'enable', 'feed'], { stdio: 'ignore' });
    let established: number | undefined;
    await wait('session and all routes', () => {
      const state = probe();
      // BIRD 2.0.12 sends a table's last partial UPDATE about 3 s late unless something wakes it (measured): its CLI does.
      spawnSync('birdc', ['-s', join(dir, 'sender.ctl'), 'show', 'protocols', 'feed'], { stdio: 'ignore' });
      if (established === undefined && state?.established) established = performance.now();
      return established !== undefined && state!.routes >= n;
    });
    return { rate: n / ((performance.now() - established!) / 1000), rss: (rssOf(receiver.pid!) - before) / n };
  } finally {
    for (const child of [sender, receiver]) child?.kill('SIGTERM');
    await Promise.all([sender, receiver].map((child) => child && new Promise((resolve) => (child.exitCode === null ? child.once('exit', resolve) : resolve(undefined)))));
  }
}

const senderConfig = () => `router id ${SENDER.address};
protocol device {}
protocol static many {
  ipv4;
include "routes.conf";
}
protocol bgp feed {
  disabled;
  local ${SENDER.address} port ${SENDER.port} as ${SENDER.as};
  neighbor ${RECEIVER.address} port ${RECEIVER.port} as ${RECEIVER.as};
  multihop;
  ipv4 { import none; export filter { bgp_next_hop = ${NEXT_HOP}; accept; }; };
}
`;

const receiverConfig = () => `router id ${RECEIVER.address};
protocol device {}
protocol static nh { ipv4; route ${NEXT_HOP}/32 blackhole; }
protocol bgp take {
  local ${RECEIVER.address} port ${RECEIVER.port} as ${RECEIVER.as};
  neighbor ${SENDER.address} port ${SENDER.port} as ${SENDER.as};
  multihop;
  ipv4 { import all; export none; gateway recursive; };
}
`;

const gobgpConfig = () => `[global.config]
  as = ${RECEIVER.as}
  router-id = "${RECEIVER.address}"
  port = ${RECEIVER.port}
  local-address-list = ["${RECEIVER.address}"]
[[neighbors]]
  [neighbors.config]
    neighbor-address = "${SENDER.address}"
    peer-as = ${SENDER.as}
  [neighbors.transport.config]
    remote-port = ${SENDER.port}
    local-address = "${RECEIVER.address}"
  [neighbors.ebgp-multihop.config]
    enabled = true
    multihop-ttl = 2
`;

/** BIRD in the foreground (`-f`), its control socket and config in `dir`. */
function startBird(dir: string, name: string, config: string): ChildProcess {
  writeFileSync(join(dir, `${name}.conf`), config);
  return spawn('bird', ['-f', '-c', join(dir, `${name}.conf`), '-s', join(dir, `${name}.ctl`)], { cwd: dir, stdio: 'ignore' });
}

function startGobgp(dir: string): ChildProcess {
  writeFileSync(join(dir, 'gobgp.toml'), gobgpConfig());
  return spawn('gobgpd', ['-f', join(dir, 'gobgp.toml'), '--api-hosts', `127.0.0.1:${RECEIVER.api}`, '-l', 'warn'], { cwd: dir, stdio: 'ignore' });
}

/**
 * A BIRD instance's protocol: whether its session is up and the routes it imported, or undefined
 * while BIRD does not answer. The protocol's counter, since a route count walks the table in
 * BIRD's one thread and, asked every few ms, would slow what it measures.
 */
function birdProtocol(dir: string, instance: string, protocolName: string): { established: boolean; routes: number } | undefined {
  const protocol = spawnSync('birdc', ['-s', join(dir, `${instance}.ctl`), 'show', 'protocols', 'all', protocolName], { encoding: 'utf8' });
  if (protocol.status !== 0) return undefined;
  return { established: /Established/.test(protocol.stdout), routes: Number(/Routes:\s+(\d+) imported/.exec(protocol.stdout)?.[1] ?? 0) };
}

/** GoBGP's session and the destinations in its global RIB, or undefined while it does not answer. */
function gobgpState(): { established: boolean; routes: number } | undefined {
  const neighbor = spawnSync('gobgp', ['-u', '127.0.0.1', '-p', String(RECEIVER.api), 'neighbor'], { encoding: 'utf8' });
  if (neighbor.status !== 0) return undefined;
  const summary = spawnSync('gobgp', ['-u', '127.0.0.1', '-p', String(RECEIVER.api), 'global', 'rib', 'summary', '-a', 'ipv4'], { encoding: 'utf8' }).stdout;
  return { established: /Establ/.test(neighbor.stdout), routes: Number(/Destination: (\d+)/.exec(summary)?.[1] ?? 0) };
}

const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

/** What `command flag` says of its version (BIRD says it on stderr). */
const version = (command: string, flag: string): string => {
  const said = spawnSync(command, [flag], { encoding: 'utf8' });
  return said.stdout.trim() || said.stderr.trim();
};

/** bird2 and gobgpd from Debian when missing: for this figure only. */
function install(): void {
  const have = (command: string) => spawnSync('sh', ['-c', `command -v ${command} || test -x /usr/sbin/${command}`]).status === 0;
  if (have('bird') && have('gobgpd')) return;
  const asRoot = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
  const run = (args: string[]) => {
    const [command, ...rest] = [...asRoot, ...args];
    const result = spawnSync(command!, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (result.status !== 0) throw new Error(`bench anchors: ${args.join(' ')} failed; install bird2 and gobgpd by hand`);
  };
  run(['apt-get', 'update', '-qq']);
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', 'bird2', 'gobgpd']);
}
