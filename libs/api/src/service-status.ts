import { hostname } from 'node:os';
import type { NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { apiSubject, serveEndpoint } from './api-endpoint.ts';

/** The endpoint every service of a speaker answers, all of them on one subject (askAll). */
export const STATUS_ENDPOINT = 'status';

/** What a service says of itself (dpp status). */
export interface ServiceStatus {
  readonly service: string;
  readonly ad: string;
  readonly host: string;
  readonly pid: number;
  /** When the process started, ms since the epoch. */
  readonly startedAt: number;
  /** Times `dpp up` restarted it (DPP_RESTARTS), 0 otherwise. */
  readonly restarts: number;
  /** What it has still to apply of its input (events or messages), when it reads one. */
  readonly lag: number | undefined;
  /** Anything else the service tells (the RIB's last sequence and routes, the sessions up). */
  readonly detail: Readonly<Record<string, unknown>>;
}

const startedAt = Date.now() - Math.round(process.uptime() * 1000);

/** This process's status as `service` of `ad`, with the service's own lag and detail. */
const answerStatus = (service: string, ad: string, own: { readonly lag?: number | undefined; readonly detail?: Readonly<Record<string, unknown>> }): ServiceStatus => ({
  service,
  ad,
  host: hostname(),
  pid: process.pid,
  startedAt,
  restarts: Number(process.env['DPP_RESTARTS'] ?? 0),
  lag: own.lag,
  detail: own.detail ?? {},
});

/** Answers `dpp.api.<ad token>.status` for this service, every instance of every service of the speaker on the one subject. */
export function serveStatus(
  nc: NatsConnection,
  where: { readonly service: string; readonly ad: string; readonly adToken: string },
  own: () => Promise<{ readonly lag?: number | undefined; readonly detail?: Readonly<Record<string, unknown>> }>,
  log: (line: Record<string, unknown>) => void,
): { stop(): void } {
  return serveEndpoint(nc, apiSubject(where.adToken, STATUS_ENDPOINT), { decode: () => Result.succeed(undefined), answer: async () => answerStatus(where.service, where.ad, await own()), log });
}
