import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { dirname, resolve } from 'node:path';
import { Result } from 'effect';
import { loadDppFile, MaxRoutes, metricsOf, streamsOf, type Streams } from '#libs/config';
import { adName, readKeyFile, type AdKeyPair, type LookupOptions, type Resolver } from '#libs/identity';
import { DEFAULT_SESSION_CONFIG, type RouteLimit, type SessionConfig } from '#libs/session';

/** Where peer input events go (design.md property 1). The RIB issue versions their schema. */
export interface EventLogConfig {
  readonly stream: string;
  /** Subjects are `<prefix>.<kind>.<peer AD>`. */
  readonly subjectPrefix: string;
  readonly replicas?: number;
}

export interface PeerTarget {
  readonly ad: string;
  /** host:port to dial. */
  readonly address: string;
}

export interface Backoff {
  readonly initialMs: number;
  readonly maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 1_000, maxMs: 60_000 };

/** §9.4 limits the shell measures (the FSM checks message rate and patterns per update itself). */
export interface SpeakerLimits {
  /** Largest PeerMessage accepted, in bytes. */
  readonly maxMessageBytes: number;
  /** Concurrent sessions a Responder serves. */
  readonly maxSessions: number;
  /** New sessions per second a Responder accepts on average, and the burst above it. */
  readonly connectionRate: { readonly perSecond: number; readonly burst: number };
}

export const DEFAULT_LIMITS: SpeakerLimits = {
  maxMessageBytes: 4 * 1024 * 1024,
  maxSessions: 1_000,
  connectionRate: { perSecond: 10, burst: 50 },
};

/** PEM material of one speaker: its certificate and key, and the CA it trusts for peers. */
export interface TlsFiles {
  readonly cert: Buffer;
  readonly key: Buffer;
  readonly ca: Buffer;
  /** Responder: require client certificates from the CA, naming the AD the Hello claims (§9.2; the default). */
  readonly requireClientCert: boolean;
}

/** Everything one speaker's session service runs with, files read and defaults filled in. */
export interface SpeakerConfig {
  readonly session: SessionConfig;
  readonly key: AdKeyPair;
  readonly listen: { readonly host: string; readonly port: number } | undefined;
  readonly tls: TlsFiles | 'plaintext-lab';
  readonly lookup: LookupOptions;
  readonly natsUrl: string;
  readonly eventLog: EventLogConfig;
  readonly dial: readonly PeerTarget[];
  readonly limits: SpeakerLimits;
  /** §9.4: each peer AD's route limit (its own, else `limits.max_routes`). */
  readonly routeLimit: (peerAd: string) => RouteLimit | undefined;
  /** Peer P's Adj-RIB-Out is the KV bucket `<prefix>-<P, dots as _>`, kept by the policy service. */
  readonly adjRibOutPrefix: string;
  readonly maxInFlight: number;
  readonly eventLogTimeoutMs: number;
  readonly backoff: Backoff;
  /** The liveness heartbeat (README, "Sites"). */
  readonly liveness: Streams['liveness'];
  /** Where /metrics, /healthz and /readyz are served, if anywhere. */
  readonly metrics: { readonly host: string; readonly port: number } | undefined;
  /** Things an operator must hear about at start, such as DNSSEC being off. */
  readonly warnings: readonly string[];
}

/** Reads and checks a speaker config; an error names the file, the field and what was expected. */
export async function loadSpeakerConfig(path: string): Promise<Result.Result<SpeakerConfig, string>> {
  const decoded = await loadDppFile(path);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const file = decoded.success;
  const problems: string[] = [];
  const at = (field: string, message: string) => problems.push(`${path}: ${field}: ${message}`);
  // The parts only the session service needs: the file may be one of a speaker without them (a RIB host's).
  if (file.key_file === undefined) at('key_file', 'missing: the session service signs with this AD key (dpp keygen writes one)');
  if (file.tls === undefined) at('tls', 'missing: { cert, key, ca } of this AD, or plaintext-lab in labs');
  if (file.dns === undefined) at('dns', 'missing: { resolvers: ["HOST:PORT"] }, a validating resolver');
  if (file.key_file === undefined || file.tls === undefined || file.dns === undefined) return Result.fail(problems.join('\n'));
  const { key_file: keyFile, dns } = file;
  const fileTls = file.tls;
  const ad = adName(file.ad);
  if (Result.isFailure(ad)) at('ad', ad.failure);
  const peers = (file.peers ?? []).map((peer, i) => {
    const name = adName(peer.ad);
    if (Result.isFailure(name)) at(`peers[${i}].ad`, name.failure);
    if (peer.address !== undefined && hostPort(peer.address, undefined) === undefined) {
      at(`peers[${i}].address`, `"${peer.address}" is not HOST:PORT (e.g. dpp.dsn.example.org:4556 or [2001:db8::1]:4556)`);
    }
    return { ad: Result.isSuccess(name) ? name.success : peer.ad, address: peer.address, maxRoutes: peer.max_routes };
  });
  const resolvers = dns.resolvers.flatMap((text, i) => {
    const parsed = hostPort(text, 53);
    if (parsed === undefined) at(`dns.resolvers[${i}]`, `"${text}" is not HOST[:PORT] (e.g. 127.0.0.1:53 or [::1]:53)`);
    return parsed ? [parsed] : [];
  });
  if (resolvers.length === 0 && dns.resolvers.length === 0) at('dns.resolvers', 'name at least one validating resolver');
  const base = dirname(path);
  const within = (p: string) => resolve(base, p);
  const key = await readKeyFile(within(keyFile));
  if (Result.isFailure(key)) at('key_file', key.failure);
  let tls: TlsFiles | 'plaintext-lab' = 'plaintext-lab';
  if (fileTls !== 'plaintext-lab') {
    const pem = async (field: 'cert' | 'key' | 'ca') => readFile(within(fileTls[field])).catch((error: Error) => (at(`tls.${field}`, error.message), undefined));
    const [cert, tlsKey, ca] = [await pem('cert'), await pem('key'), await pem('ca')];
    if (cert && tlsKey && ca) {
      // Read now what TLS would refuse later: unreadable PEM, or a key that is not the certificate's.
      try {
        createSecureContext({ cert, key: tlsKey, ca });
      } catch (error) {
        at('tls', `${(error as Error).message} (check that tls.cert, tls.key and tls.ca are PEM, and that the key is the certificate's)`);
      }
    }
    tls = { cert: cert ?? Buffer.alloc(0), key: tlsKey ?? Buffer.alloc(0), ca: ca ?? Buffer.alloc(0), requireClientCert: fileTls.require_client_cert ?? true };
  }
  const range = file.session?.hold_time_range ?? DEFAULT_SESSION_CONFIG.holdTimeRange;
  if (range[0] > range[1] || range[0] < 1) at('session.hold_time_range', `[${range.join(', ')}] is not [min, max] with 1 <= min <= max (0, no hold timer, is not supported)`);
  const svcbKeys = dns.svcb_keys ?? [65280, 65281];
  if (svcbKeys[0] === svcbKeys[1]) at('dns.svcb_keys', 'dtn-alg and dtn-pubkey need two different SvcParamKey numbers');
  if (problems.length > 0 || Result.isFailure(ad) || Result.isFailure(key)) return Result.fail(problems.join('\n'));

  const requireDnssec = dns.require_dnssec ?? true;
  const warnings = [
    ...(requireDnssec ? [] : [`${path}: dns.require_dnssec is false: peer identities are accepted WITHOUT DNSSEC; anyone who can spoof DNS can impersonate a peer (§9.1). For labs only.`]),
    ...(tls === 'plaintext-lab' ? [`${path}: tls is plaintext-lab: sessions are not encrypted and the peer's AD is not checked in a certificate (§9.2). For labs only.`] : []),
    ...(tls !== 'plaintext-lab' && !clientUse(tls.cert) ? [`${path}: tls.cert's extended key usage has no clientAuth: it is also our client certificate when we dial, and peers that require one (dpp's default, §9.2) will refuse it. Use a certificate for both serverAuth and clientAuth.`] : []),
    ...(tls !== 'plaintext-lab' && !tls.requireClientCert ? [`${path}: tls.require_client_cert is false: a peer's Hello is not checked against a certificate, so a peer we dial can relay our signature to pass as us elsewhere (§9.2, docs/spec-notes.md).`] : []),
  ];
  const session = file.session ?? {};
  const defaults = DEFAULT_SESSION_CONFIG;
  const streams = streamsOf(file);
  const routeLimit = (given: typeof MaxRoutes.Type | undefined): RouteLimit | undefined => given && { max: given.max, action: given.action ?? 'drop' };
  const routeLimits = new Map(peers.map((p) => [p.ad, routeLimit(p.maxRoutes ?? file.limits?.max_routes)]));
  return Result.succeed({
    session: {
      localAd: ad.success,
      speakerId: file.speaker_id ?? `dtn://${ad.success}/dpp`,
      holdTimeOffer: session.hold_time ?? defaults.holdTimeOffer,
      holdTimeRange: [range[0], range[1]],
      handshakeTimeoutMs: session.handshake_timeout_ms ?? defaults.handshakeTimeoutMs,
      peers: file.accept_any_peer ? 'any' : new Set(peers.map((p) => p.ad)),
      maxPatternsPerUpdate: session.max_patterns_per_update ?? defaults.maxPatternsPerUpdate,
      messageRate: session.message_rate ? { perSecond: session.message_rate.per_second, burst: session.message_rate.burst } : defaults.messageRate,
      ...(session.send_hold_time === undefined ? {} : { sendHoldTime: session.send_hold_time }),
    },
    key: key.success,
    listen: file.listen,
    tls,
    lookup: { resolvers, requireDnssec, timeoutMs: dns.timeout_ms ?? 2_000, params: { alg: svcbKeys[0], pubkey: svcbKeys[1] } },
    natsUrl: streams.natsUrl,
    eventLog: { stream: streams.peerEvents, subjectPrefix: streams.peerSubjectPrefix, replicas: streams.replicas },
    dial: peers.flatMap((p) => (p.address ? [{ ad: p.ad, address: p.address }] : [])),
    limits: {
      maxMessageBytes: file.limits?.max_message_bytes ?? DEFAULT_LIMITS.maxMessageBytes,
      maxSessions: file.limits?.max_sessions ?? DEFAULT_LIMITS.maxSessions,
      connectionRate: file.limits?.connection_rate ? { perSecond: file.limits.connection_rate.per_second, burst: file.limits.connection_rate.burst } : DEFAULT_LIMITS.connectionRate,
    },
    routeLimit: (peerAd) => (routeLimits.has(peerAd) ? routeLimits.get(peerAd) : routeLimit(file.limits?.max_routes)),
    adjRibOutPrefix: streams.adjRibOutPrefix,
    maxInFlight: file.events?.max_in_flight ?? 256,
    eventLogTimeoutMs: file.events?.log_timeout_ms ?? 30_000,
    backoff: file.backoff ? { initialMs: file.backoff.initial_ms, maxMs: file.backoff.max_ms } : DEFAULT_BACKOFF,
    metrics: metricsOf(file, 'session'),
    liveness: streams.liveness,
    warnings,
  });
}

/** HOST[:PORT] (an IPv6 address in brackets); without `defaultPort` the port is required. Port 0 is refused. */
function hostPort(text: string, defaultPort: number | undefined): Resolver | undefined {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:\s/]+))(?::(\d{1,5}))?$/.exec(text);
  const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
  return match && port !== undefined && port >= 1 && port <= 65535 ? { host: match[1] ?? match[2]!, port } : undefined;
}

/** Whether a certificate may serve as a TLS client's: no extended key usage (any use), or one with clientAuth. */
function clientUse(pem: Buffer): boolean {
  try {
    const usage = new X509Certificate(pem).keyUsage;
    return usage === undefined || usage.length === 0 || usage.includes('1.3.6.1.5.5.7.3.2');
  } catch {
    // Unreadable: already a problem of its own (tls.cert).
    return true;
  }
}
