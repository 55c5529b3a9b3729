import { Schema } from 'effect';
import { PolicyFile } from '#libs/policy';

const Port = Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 }));
const Positive = Schema.Int.check(Schema.isGreaterThanOrEqualTo(1));
const Rate = Schema.Struct({ per_second: Schema.Finite.check(Schema.isGreaterThan(0)), burst: Positive });
const Token = Schema.String.check(Schema.isPattern(/^[A-Za-z0-9_-]+$/));
export const MaxRoutes = Schema.Struct({ max: Positive, action: Schema.optional(Schema.Literals(['warn', 'drop', 'teardown'])) });

/**
 * One speaker's config file (README, "Running a speaker"): every service of the speaker reads the same
 * file and takes its part; a part a service needs and does not find is named by that service.
 */
export const DppFile = Schema.Struct({
  ad: Schema.NonEmptyString,
  nats: Schema.optional(
    Schema.Struct({
      url: Schema.optional(Schema.NonEmptyString),
      stream: Schema.optional(Schema.NonEmptyString),
      subject_prefix: Schema.optional(Schema.NonEmptyString),
      adj_rib_out_prefix: Schema.optional(Token),
      /** Copies of every stream and bucket: 3 on a 3-node cluster (deploy/nats/cluster). */
      replicas: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 5 }))),
    }),
  ),
  streams: Schema.optional(Schema.Struct({ rib_input: Schema.optional(Schema.NonEmptyString), loc_rib: Schema.optional(Schema.NonEmptyString) })),
  batch: Schema.optional(Positive),
  // The session service.
  speaker_id: Schema.optional(Schema.String),
  key_file: Schema.optional(Schema.NonEmptyString),
  listen: Schema.optional(Schema.Struct({ host: Schema.NonEmptyString, port: Port })),
  tls: Schema.optional(
    Schema.Union([
      Schema.Literal('plaintext-lab'),
      Schema.Struct({ cert: Schema.NonEmptyString, key: Schema.NonEmptyString, ca: Schema.NonEmptyString, require_client_cert: Schema.optional(Schema.Boolean) }),
    ]),
  ),
  dns: Schema.optional(
    Schema.Struct({
      resolvers: Schema.Array(Schema.NonEmptyString),
      require_dnssec: Schema.optional(Schema.Boolean),
      timeout_ms: Schema.optional(Positive),
      svcb_keys: Schema.optional(Schema.Tuple([Port, Port])),
    }),
  ),
  peers: Schema.optional(Schema.Array(Schema.Struct({ ad: Schema.NonEmptyString, address: Schema.optional(Schema.NonEmptyString), max_routes: Schema.optional(MaxRoutes) }))),
  accept_any_peer: Schema.optional(Schema.Boolean),
  session: Schema.optional(
    Schema.Struct({
      hold_time: Schema.optional(Positive),
      hold_time_range: Schema.optional(Schema.Tuple([Schema.Int, Schema.Int])),
      handshake_timeout_ms: Schema.optional(Positive),
      send_hold_time: Schema.optional(Positive),
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
  /**
   * Session services heartbeat into the KV bucket `<peer event stream>-speakers`; when one stops
   * (killed, its site lost), the policy service logs the end of its sessions (README, "Sites").
   */
  liveness: Schema.optional(Schema.Struct({ interval_ms: Schema.optional(Positive), dead_after_ms: Schema.optional(Positive) })),
  // The RIB service.
  checkpoint: Schema.optional(Schema.NonEmptyString),
  clock_catch_up_ms: Schema.optional(Positive),
  // The policy service.
  restart_time_ms: Schema.optional(Schema.Int.check(Schema.isGreaterThanOrEqualTo(0))),
  policy: Schema.optional(PolicyFile),
  /** The policy in a file of its own (relative to this one), one file for every site of the AD: read in place of `policy`. */
  policy_file: Schema.optional(Schema.NonEmptyString),
  // The FIB-export service.
  gateways: Schema.optional(
    Schema.Array(
      Schema.Struct({
        name: Token,
        from_peers: Schema.optional(Schema.Array(Schema.NonEmptyString)),
        schemes: Schema.optional(Schema.Array(Schema.Literals(['ipn', 'dtn']))),
        // A Hardy instance whose TVR contacts follow this gateway's FIB.
        hardy: Schema.optional(
          Schema.Struct({
            address: Schema.NonEmptyString,
            tls: Schema.optional(Schema.Struct({ ca: Schema.NonEmptyString, cert: Schema.optional(Schema.NonEmptyString), key: Schema.optional(Schema.NonEmptyString) })),
            priority: Schema.optional(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 0xffff_ffff }))),
          }),
        ),
      }),
    ),
  ),
  fib: Schema.optional(Schema.Struct({ bucket_prefix: Schema.optional(Token) })),
  // The looking glass (dpp web): read-only pages over the running services and the log.
  web: Schema.optional(Schema.Struct({ host: Schema.optional(Schema.NonEmptyString), port: Port, token_file: Schema.optional(Schema.NonEmptyString) })),
  // Every service: its Prometheus /metrics, /healthz and /readyz (README, "Observing").
  metrics: Schema.optional(
    Schema.Struct({ host: Schema.optional(Schema.NonEmptyString), session: Schema.optional(Port), rib: Schema.optional(Port), policy: Schema.optional(Port), fib_export: Schema.optional(Port) }),
  ),
});

export type DppFile = typeof DppFile.Type;

/** Where the speaker's services meet in NATS: what every service derives from the same file. */
export interface Streams {
  readonly natsUrl: string;
  readonly peerEvents: string;
  /** Peer events are on `<prefix>.<kind>.<peer AD>`, policy versions on `<prefix>.policy`. */
  readonly peerSubjectPrefix: string;
  readonly ribInput: string;
  readonly locRib: string;
  /** Peer P's Adj-RIB-Out is the KV bucket `<prefix>-<P, dots as _>`. */
  readonly adjRibOutPrefix: string;
  readonly fibBucketPrefix: string;
  /** Copies of every stream and KV bucket in the NATS cluster. */
  readonly replicas: number;
  /** The KV bucket session services heartbeat into, how often, and after how long without one a session service is taken for dead. */
  readonly liveness: { readonly bucket: string; readonly intervalMs: number; readonly deadAfterMs: number };
}

export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';

export function streamsOf(file: Pick<DppFile, 'nats' | 'streams' | 'fib' | 'liveness'>): Streams {
  const peerEvents = file.nats?.stream ?? 'DPP_PEER_EVENTS';
  return {
    natsUrl: file.nats?.url ?? DEFAULT_NATS_URL,
    peerEvents,
    peerSubjectPrefix: file.nats?.subject_prefix ?? 'dpp.peer',
    ribInput: file.streams?.rib_input ?? 'DPP_RIB_INPUT',
    locRib: file.streams?.loc_rib ?? 'DPP_LOC_RIB',
    adjRibOutPrefix: file.nats?.adj_rib_out_prefix ?? 'dpp-out',
    fibBucketPrefix: file.fib?.bucket_prefix ?? 'dpp-fib',
    replicas: file.nats?.replicas ?? 1,
    liveness: { bucket: `${peerEvents}-speakers`, intervalMs: file.liveness?.interval_ms ?? 2_000, deadAfterMs: file.liveness?.dead_after_ms ?? 10_000 },
  };
}

/**
 * Environment variables that override a field, for what should not sit in a file (secrets, and
 * the NATS URL an orchestrator hands out): applied to the parsed YAML before it is checked.
 */
export const ENV_OVERRIDES: readonly { readonly variable: string; readonly path: readonly string[]; readonly onlyOver: boolean }[] = [
  // Set wherever it is missing: `dpp up` hands its nats-server to every service this way.
  { variable: 'DPP_NATS_URL', path: ['nats', 'url'], onlyOver: false },
  // Only over a field the file has: a secret for the session service must not make a RIB host's file one.
  { variable: 'DPP_KEY_FILE', path: ['key_file'], onlyOver: true },
  { variable: 'DPP_TLS_KEY', path: ['tls', 'key'], onlyOver: true },
];

/** The parsed YAML with the environment's overrides set. */
export function withEnvOverrides(raw: unknown, env: Readonly<Record<string, string | undefined>>): unknown {
  if (typeof raw !== 'object' || raw === null) return raw;
  const out = structuredClone(raw) as Record<string, unknown>;
  for (const { variable, path, onlyOver } of ENV_OVERRIDES) {
    const value = env[variable];
    if (value === undefined || value === '') continue;
    let at: Record<string, unknown> | undefined = out;
    for (const key of path.slice(0, -1)) {
      if (typeof at[key] !== 'object' || at[key] === null) {
        if (onlyOver) {
          at = undefined;
          break;
        }
        at[key] = {};
      }
      at = at[key] as Record<string, unknown>;
    }
    if (at === undefined || (onlyOver && at[path.at(-1)!] === undefined)) continue;
    at[path.at(-1)!] = value;
  }
  return out;
}

/** Where a service serves /metrics, /healthz and /readyz (`metrics.<service>` port; host default 127.0.0.1), or undefined: not served. */
export const metricsOf = (file: DppFile, service: 'session' | 'rib' | 'policy' | 'fib_export'): { readonly host: string; readonly port: number } | undefined => {
  const port = file.metrics?.[service];
  return port === undefined ? undefined : { host: file.metrics?.host ?? '127.0.0.1', port };
};
