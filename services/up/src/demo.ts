import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Result } from 'effect';
import { stringify } from 'yaml';
import { DEFAULT_SVC_PARAMS, generateAdKey, readKeyFile, svcbZoneLine, writeKeyFiles, type AdKeyPair } from '#libs/identity';
import { freePort, startDnsLab, startTlsLab } from '#libs/lab';

/** A demo AD: its name, a short token for its NATS names, whom it dials, its routes, its gateway. */
export interface DemoAd {
  readonly ad: string;
  readonly token: string;
  readonly originates: readonly string[];
  readonly listens: boolean;
  readonly gateway: string | undefined;
}

/**
 * Three ADs on loopback in a line, as in the Solar System DTN: ESA's ground segment and a Mars
 * relay each peer with the Deep Space Network, which carries their routes to each other (transit).
 * ESA runs a gateway that subscribes to its FIB.
 */
export const DEMO_ADS: readonly DemoAd[] = [
  { ad: 'dsn.example.test', token: 'dsn', originates: [], listens: true, gateway: undefined },
  { ad: 'esa.example.test', token: 'esa', originates: ['ipn:300.*.*', 'dtn://*.esa.example.test/**'], listens: false, gateway: 'esa-gw' },
  { ad: 'mars.example.test', token: 'mars', originates: ['ipn:200.*.*', 'ipn:0.200.*'], listens: false, gateway: undefined },
];

/** The DSN's policy: our gateway for everything, node 20's for the routes to nodes (ION and HDTN plans take those). */
const DSN_POLICY = (ad: string) => ({
  pattern_sets: { nodes: ['ipn:0.*.*'] },
  export: {
    gateway_eid: `dtn://gw.${ad}/`,
    chains: [{ peers: ['*'], rules: [{ name: 'nodes-via-node-20', match: { patterns_in: 'nodes' }, set: { gateway_eid: 'ipn:20.0' } }] }],
  },
});

/**
 * The demo's identities made real: each AD's key (kept in the data dir across runs), its SVCB
 * record in a DNSSEC-signed zone served by knot and validated by unbound (the DNS lab), a TLS
 * certificate from a lab CA, and one config file per AD (README, "Running a speaker") that names
 * them, the embedded NATS and the DSN's listening port. Returns the config files, the resolver, and
 * how to stop the lab at the end.
 */
export async function prepareDemo(dataDir: string, natsUrl: string): Promise<{ configs: Map<string, string>; resolver: string; cleanup(): Promise<void> }> {
  const keys = new Map<string, AdKeyPair>();
  for (const { ad } of DEMO_ADS) {
    const dir = join(dataDir, ad);
    mkdirSync(dir, { recursive: true });
    const keyFile = join(dir, 'key');
    if (!existsSync(keyFile)) Result.getOrThrow(await writeKeyFiles(keyFile, await generateAdKey(), false));
    keys.set(ad, Result.getOrThrow(await readKeyFile(keyFile)));
  }
  const dns = await startDnsLab({ signed: DEMO_ADS.map(({ ad }) => svcbZoneLine(ad, keys.get(ad)!.publicKey, DEFAULT_SVC_PARAMS)), unsigned: [] });
  const tls = startTlsLab();
  try {
    const dsnPort = await freePort();
    const configs = new Map<string, string>();
    for (const demo of DEMO_ADS) {
      const dir = join(dataDir, demo.ad);
      const cert = tls.issue(demo.ad);
      writeFileSync(join(dir, 'tls.crt'), cert.cert);
      writeFileSync(join(dir, 'tls.key'), cert.key, { mode: 0o600 });
      writeFileSync(join(dir, 'ca.crt'), tls.ca);
      const T = demo.token.toUpperCase();
      const file = {
        ad: demo.ad,
        nats: { url: natsUrl, stream: `DPP_PEER_EVENTS_${T}`, subject_prefix: `dpp.${demo.token}.peer`, adj_rib_out_prefix: `dpp-${demo.token}-out` },
        streams: { rib_input: `DPP_RIB_INPUT_${T}`, loc_rib: `DPP_LOC_RIB_${T}` },
        key_file: 'key',
        tls: { cert: 'tls.crt', key: 'tls.key', ca: 'ca.crt' },
        dns: { resolvers: [`${dns.resolver.host}:${dns.resolver.port}`] },
        ...(demo.listens ? { listen: { host: '127.0.0.1', port: dsnPort } } : {}),
        peers: demo.listens ? DEMO_ADS.filter((d) => !d.listens).map((d) => ({ ad: d.ad })) : [{ ad: DEMO_ADS[0]!.ad, address: `127.0.0.1:${dsnPort}` }],
        backoff: { initial_ms: 500, max_ms: 5_000 },
        checkpoint: 'rib.sqlite',
        // The DSN forwards through its gateway: dtn://gw.<AD>/, and node 20 for node routes (allocator 0), which DTN routers' contact plans can name.
        ...(demo.listens ? { policy: DSN_POLICY(demo.ad) } : {}),
        ...(demo.gateway ? { fib: { bucket_prefix: `dpp-${demo.token}-fib` }, gateways: [{ name: demo.gateway }] } : {}),
        metrics: { session: await freePort(), rib: await freePort(), policy: await freePort(), ...(demo.gateway ? { fib_export: await freePort() } : {}) },
        // Its looking glass (dpp web), on loopback.
        web: { port: await freePort() },
      };
      const config = join(dir, 'dpp.yaml');
      writeFileSync(config, `# Written by dpp up for the demo; rewritten at each start.\n${stringify(file)}`);
      configs.set(demo.ad, config);
    }
    return { configs, resolver: `${dns.resolver.host}:${dns.resolver.port}`, cleanup: async () => (tls.remove(), await dns.stop()) };
  } catch (error) {
    tls.remove();
    await dns.stop();
    throw error;
  }
}
