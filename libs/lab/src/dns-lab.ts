import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dnsPacket from 'dns-packet';
import type { Resolver } from '#libs/identity';
import { freePort, installed, SERVER_ENV, startProcess, type ServerProcess } from './server-process.ts';
import { until } from './until.ts';

/**
 * A real DNS with DNSSEC on loopback, as platform.md describes it: knot serves `example.test`,
 * signed (ed25519), and `unsigned.test`, not signed; one unbound validates with the right trust
 * anchor (the DS knot made), another with a wrong one. Identity tests query them as a speaker
 * queries its resolver.
 */
export interface DnsLab {
  /** Validating resolver that trusts example.test: signed answers carry AD, unsigned.test has none. */
  readonly resolver: Resolver;
  /** Validating resolver with a wrong trust anchor: every example.test answer is bogus. */
  readonly bogusResolver: Resolver;
  /** The authoritative server itself: answers, never with AD. */
  readonly authoritative: Resolver;
  /**
   * Replaces both zones' records, as an operator editing the zone files does; returns once knot
   * serves (and has signed) the new zones. Resolvers keep what they cached until its TTL runs out.
   */
  update(records: LabRecords): void;
  stop(): Promise<void>;
}

export const SIGNED_ZONE = 'example.test';
export const UNSIGNED_ZONE = 'unsigned.test';

/** Zone-file lines (absolute names) for each zone; SOA, NS and the glue are added. */
export interface LabRecords {
  readonly signed: readonly string[];
  readonly unsigned: readonly string[];
}

export async function startDnsLab(records: LabRecords): Promise<DnsLab> {
  installed('knotd', 'knot');
  installed('unbound', 'unbound');
  const dir = mkdtempSync(join(tmpdir(), 'dpp-dns-'));
  const servers: ServerProcess[] = [];
  try {
    const knotPort = await freePort();
    const authoritative = { host: '127.0.0.1', port: knotPort };
    writeZone(dir, SIGNED_ZONE, records.signed);
    writeZone(dir, UNSIGNED_ZONE, records.unsigned);
    const knotConf = join(dir, 'knot.conf');
    writeFileSync(knotConf, knotConfig(dir, knotPort));
    const knot = await startProcess('knotd', ['-c', knotConf]);
    servers.push(knot);
    await until('knot answering', () => soa(authoritative, SIGNED_ZONE), { gaveUp: () => knot.died() });
    const ds = await until('knot to publish the DS of example.test', () => {
      const out = spawnSync('keymgr', ['-c', knotConf, SIGNED_ZONE, 'ds'], { env: SERVER_ENV, encoding: 'utf8' }).stdout;
      return out.split('\n').find((line) => / DS \d+ 15 2 /.test(line));
    });
    // The same DS with its digest changed: a trust anchor that matches no key.
    const wrong = ds.replace(/([0-9a-f])$/, (d) => (d === '0' ? '1' : '0'));
    const resolver = await startUnbound(dir, 'good', ds, knotPort, servers);
    const bogusResolver = await startUnbound(dir, 'bogus', wrong, knotPort, servers);
    let serial = 1;
    return {
      resolver,
      bogusResolver,
      authoritative,
      update: (next) => {
        // A higher serial, or knot keeps the unsigned zone it has (the signed one it diffs).
        serial++;
        writeZone(dir, SIGNED_ZONE, next.signed, serial);
        writeZone(dir, UNSIGNED_ZONE, next.unsigned, serial);
        // -b: knotc returns once the reload (and the re-signing) is done.
        const out = spawnSync('knotc', ['-c', knotConf, '-b', 'zone-reload', SIGNED_ZONE, UNSIGNED_ZONE], { env: SERVER_ENV, encoding: 'utf8' });
        if (out.status !== 0) throw new Error(`knotc zone-reload: ${out.stdout}${out.stderr}`);
      },
      stop: async () => {
        await Promise.all(servers.map((s) => s.stop()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

async function startUnbound(dir: string, name: string, trustAnchor: string, knotPort: number, servers: ServerProcess[]): Promise<Resolver> {
  const port = await freePort();
  const anchor = join(dir, `${name}.ds`);
  writeFileSync(anchor, `${trustAnchor}\n`);
  const conf = join(dir, `unbound-${name}.conf`);
  writeFileSync(conf, unboundConfig(dir, name, port, anchor, knotPort));
  const unbound = await startProcess('unbound', ['-d', '-c', conf]);
  servers.push(unbound);
  const resolver = { host: '127.0.0.1', port };
  await until(`unbound (${name}) answering`, () => soa(resolver, UNSIGNED_ZONE), { gaveUp: () => unbound.died() });
  return resolver;
}

function writeZone(dir: string, zone: string, lines: readonly string[], serial = 1): void {
  const head = [`$ORIGIN ${zone}.`, '$TTL 60', `@ SOA ns hostmaster ${serial} 3600 600 86400 60`, '@ NS ns', 'ns A 127.0.0.1'];
  writeFileSync(join(dir, `${zone}.zone`), `${[...head, ...lines].join('\n')}\n`);
}

const knotConfig = (dir: string, port: number): string => `server:
    rundir: "${dir}"
    pidfile: "${dir}/knot.pid"
    listen: 127.0.0.1@${port}
database:
    storage: "${dir}"
policy:
  - id: lab
    algorithm: ed25519
    single-type-signing: on
template:
  - id: default
    storage: "${dir}"
    file: "%s.zone"
    dnssec-signing: on
    dnssec-policy: lab
    zonefile-load: difference-no-serial
    journal-content: all
  - id: unsigned
    storage: "${dir}"
    file: "%s.zone"
zone:
  - domain: ${SIGNED_ZONE}
  - domain: ${UNSIGNED_ZONE}
    template: unsigned
`;

const unboundConfig = (dir: string, name: string, port: number, anchor: string, knotPort: number): string => `server:
    interface: 127.0.0.1
    port: ${port}
    username: ""
    chroot: ""
    directory: "${dir}"
    pidfile: "${dir}/unbound-${name}.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    do-daemonize: no
    do-not-query-localhost: no
    local-zone: "test." nodefault
    module-config: "validator iterator"
    trust-anchor-file: "${anchor}"
    ede: yes
    root-hints: ""
stub-zone:
    name: "${SIGNED_ZONE}"
    stub-addr: 127.0.0.1@${knotPort}
stub-zone:
    name: "${UNSIGNED_ZONE}"
    stub-addr: 127.0.0.1@${knotPort}
`;

/** Whether a server answers the zone's SOA: NOERROR, or undefined to poll again. */
function soa(server: Resolver, zone: string): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (value: true | undefined) => {
      clearTimeout(timer);
      socket.close();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), 500);
    socket.on('error', () => done(undefined));
    socket.on('message', (bytes) => done((dnsPacket.decode(bytes) as { rcode?: string }).rcode === 'NOERROR' ? true : undefined));
    socket.send(dnsPacket.encode({ type: 'query', id: 1, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type: 'SOA', name: zone }] }), server.port, server.host);
  });
}
