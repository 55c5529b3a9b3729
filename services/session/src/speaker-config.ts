import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import { dirname, resolve } from 'node:path';
import { Result, Schema } from 'effect';
import { loadYaml } from '#libs/config';
import { adName, readKeyFile, type AdKeyPair, type LookupOptions, type Resolver } from '#libs/identity';
import { DEFAULT_SESSION_CONFIG, type RouteLimit, type SessionConfig } from '#libs/session';
import { DEFAULT_EVENT_LOG, type EventLogConfig } from './event-log.ts';
import { DEFAULT_BACKOFF, type Backoff, type PeerTarget } from './initiator-client.ts';
import { DEFAULT_LIMITS, type SpeakerLimits } from './limits.ts';
import type { TlsFiles } from './tls.ts';

const Port = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }));
const Positive = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1));
const Rate = Schema.Struct({ per_second: Schema.Finite.check(Schema.isGreaterThan(0)), burst: Positive });
const MaxRoutes = Schema.Struct({ max: Positive, action: Schema.optional(Schema.Literals(['warn', 'drop', 'teardown'])) });

/** The session part of one speaker's YAML config file (README, "Running a speaker"). */
const SpeakerFile = Schema.Struct({
  ad: Schema.NonEmptyString,
  speaker_id: Schema.optional(Schema.String),
  key_file: Schema.NonEmptyString,
  listen: Schema.optional(Schema.Struct({ host: Schema.NonEmptyString, port: Port })),
  tls: Schema.Union([
    Schema.Literal('plaintext-lab'),
    Schema.Struct({ cert: Schema.NonEmptyString, key: Schema.NonEmptyString, ca: Schema.NonEmptyString, require_client_cert: Schema.optional(Schema.Boolean) }),
  ]),
  dns: Schema.Struct({
    resolvers: Schema.Array(Schema.NonEmptyString),
    require_dnssec: Schema.optional(Schema.Boolean),
    timeout_ms: Schema.optional(Positive),
    svcb_keys: Schema.optional(Schema.Tuple([Port, Port])),
  }),
  nats: Schema.Struct({
    url: Schema.NonEmptyString,
    stream: Schema.optional(Schema.NonEmptyString),
    subject_prefix: Schema.optional(Schema.NonEmptyString),
    adj_rib_out_prefix: Schema.optional(Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]+$/))),
  }),
  peers: Schema.Array(Schema.Struct({ ad: Schema.NonEmptyString, address: Schema.optional(Schema.NonEmptyString), max_routes: Schema.optional(MaxRoutes) })),
  accept_any_peer: Schema.optional(Schema.Boolean),
  session: Schema.optional(
    Schema.Struct({
      hold_time: Schema.optional(Positive),
      hold_time_range: Schema.optional(Schema.Tuple([Schema.Int, Schema.Int])),
      handshake_timeout_ms: Schema.optional(Positive),
      max_patterns_per_update: Schema.optional(Positive),
      message_rate: Schema.optional(Rate),
    }),
  ),
  limits: Schema.optional(
    Schema.Struct({ max_message_bytes: Schema.optional(Positive), max_sessions: Schema.optional(Positive), connection_rate: Schema.optional(Rate), max_routes: Schema.optional(MaxRoutes) }),
  ),
  // Resends must land within the stream's 2-minute duplicate window to be stored once.
  events: Schema.optional(Schema.Struct({ max_in_flight: Schema.optional(Positive), log_timeout_ms: Schema.optional(Positive.check(Schema.isLessThanOrEqualTo(110_000))) })),
  backoff: Schema.optional(Schema.Struct({ initial_ms: Positive, max_ms: Positive })),
});

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
  /** Things an operator must hear about at start, such as DNSSEC being off. */
  readonly warnings: readonly string[];
}

/** Reads and checks a speaker config; an error names the file, the field and what was expected. */
export async function loadSpeakerConfig(path: string): Promise<Result.Result<SpeakerConfig, string>> {
  const decoded = await loadYaml(path, SpeakerFile);
  if (Result.isFailure(decoded)) return Result.fail(decoded.failure);
  const file = decoded.success;
  const problems: string[] = [];
  const at = (field: string, message: string) => problems.push(`${path}: ${field}: ${message}`);
  const ad = adName(file.ad);
  if (Result.isFailure(ad)) at('ad', ad.failure);
  const peers = file.peers.map((peer, i) => {
    const name = adName(peer.ad);
    if (Result.isFailure(name)) at(`peers[${i}].ad`, name.failure);
    if (peer.address !== undefined && hostPort(peer.address, undefined) === undefined) {
      at(`peers[${i}].address`, `"${peer.address}" is not HOST:PORT (e.g. dpp.dsn.example.org:4556 or [2001:db8::1]:4556)`);
    }
    return { ad: Result.isSuccess(name) ? name.success : peer.ad, address: peer.address, maxRoutes: peer.max_routes };
  });
  const resolvers = file.dns.resolvers.flatMap((text, i) => {
    const parsed = hostPort(text, 53);
    if (parsed === undefined) at(`dns.resolvers[${i}]`, `"${text}" is not HOST[:PORT] (e.g. 127.0.0.1:53 or [::1]:53)`);
    return parsed ? [parsed] : [];
  });
  if (resolvers.length === 0 && file.dns.resolvers.length === 0) at('dns.resolvers', 'name at least one validating resolver');
  const base = dirname(path);
  const within = (p: string) => resolve(base, p);
  const key = await readKeyFile(within(file.key_file));
  if (Result.isFailure(key)) at('key_file', key.failure);
  let tls: TlsFiles | 'plaintext-lab' = 'plaintext-lab';
  if (file.tls !== 'plaintext-lab') {
    const pem = async (field: 'cert' | 'key' | 'ca') => readFile(within((file.tls as Record<typeof field, string>)[field])).catch((error: Error) => (at(`tls.${field}`, error.message), undefined));
    const [cert, tlsKey, ca] = [await pem('cert'), await pem('key'), await pem('ca')];
    if (cert && tlsKey && ca) {
      // Read now what TLS would refuse later: unreadable PEM, or a key that is not the certificate's.
      try {
        createSecureContext({ cert, key: tlsKey, ca });
      } catch (error) {
        at('tls', `${(error as Error).message} (check that tls.cert, tls.key and tls.ca are PEM, and that the key is the certificate's)`);
      }
    }
    tls = { cert: cert ?? Buffer.alloc(0), key: tlsKey ?? Buffer.alloc(0), ca: ca ?? Buffer.alloc(0), requireClientCert: file.tls.require_client_cert ?? false };
  }
  const range = file.session?.hold_time_range ?? DEFAULT_SESSION_CONFIG.holdTimeRange;
  if (range[0] > range[1] || range[0] < 1) at('session.hold_time_range', `[${range.join(', ')}] is not [min, max] with 1 <= min <= max (0, no hold timer, is not supported)`);
  const svcbKeys = file.dns.svcb_keys ?? [65280, 65281];
  if (svcbKeys[0] === svcbKeys[1]) at('dns.svcb_keys', 'dtn-alg and dtn-pubkey need two different SvcParamKey numbers');
  if (problems.length > 0 || Result.isFailure(ad) || Result.isFailure(key)) return Result.fail(problems.join('\n'));

  const requireDnssec = file.dns.require_dnssec ?? true;
  const warnings = [
    ...(requireDnssec ? [] : [`${path}: dns.require_dnssec is false: peer identities are accepted WITHOUT DNSSEC; anyone who can spoof DNS can impersonate a peer (§9.1). For labs only.`]),
    ...(tls === 'plaintext-lab' ? [`${path}: tls is plaintext-lab: sessions are not encrypted and the peer's AD is not checked in a certificate (§9.2). For labs only.`] : []),
  ];
  const session = file.session ?? {};
  const defaults = DEFAULT_SESSION_CONFIG;
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
    },
    key: key.success,
    listen: file.listen,
    tls,
    lookup: { resolvers, requireDnssec, timeoutMs: file.dns.timeout_ms ?? 2_000, params: { alg: svcbKeys[0], pubkey: svcbKeys[1] } },
    natsUrl: file.nats.url,
    eventLog: { stream: file.nats.stream ?? DEFAULT_EVENT_LOG.stream, subjectPrefix: file.nats.subject_prefix ?? DEFAULT_EVENT_LOG.subjectPrefix },
    dial: peers.flatMap((p) => (p.address ? [{ ad: p.ad, address: p.address }] : [])),
    limits: {
      maxMessageBytes: file.limits?.max_message_bytes ?? DEFAULT_LIMITS.maxMessageBytes,
      maxSessions: file.limits?.max_sessions ?? DEFAULT_LIMITS.maxSessions,
      connectionRate: file.limits?.connection_rate ? { perSecond: file.limits.connection_rate.per_second, burst: file.limits.connection_rate.burst } : DEFAULT_LIMITS.connectionRate,
    },
    routeLimit: (peerAd) => (routeLimits.has(peerAd) ? routeLimits.get(peerAd) : routeLimit(file.limits?.max_routes)),
    adjRibOutPrefix: file.nats.adj_rib_out_prefix ?? 'dpp-out',
    maxInFlight: file.events?.max_in_flight ?? 256,
    eventLogTimeoutMs: file.events?.log_timeout_ms ?? 30_000,
    backoff: file.backoff ? { initialMs: file.backoff.initial_ms, maxMs: file.backoff.max_ms } : DEFAULT_BACKOFF,
    warnings,
  });
}

/** HOST[:PORT] (an IPv6 address in brackets); without `defaultPort` the port is required. Port 0 is refused. */
function hostPort(text: string, defaultPort: number | undefined): Resolver | undefined {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:\s/]+))(?::(\d{1,5}))?$/.exec(text);
  const port = match?.[3] === undefined ? defaultPort : Number(match[3]);
  return match && port !== undefined && port >= 1 && port <= 65535 ? { host: match[1] ?? match[2]!, port } : undefined;
}
