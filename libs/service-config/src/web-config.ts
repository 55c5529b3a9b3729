import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { Result } from 'effect';
import { loadServiceFile, streamsOf, type Streams } from '#libs/config';
import type { GatewaySpec } from '#libs/fib-export';

export interface WebConfig {
  readonly localAd: string;
  readonly host: string;
  readonly port: number;
  /** The bearer token every request must carry; undefined only on a loopback address. */
  readonly token: string | undefined;
  readonly streams: Streams;
  readonly gateways: readonly GatewaySpec[];
}

/** Addresses only this machine reaches: the looking glass answers there without a token. */
export const isLoopback = (host: string): boolean => host === 'localhost' || (isIP(host) === 4 ? host.startsWith('127.') : host === '::1');

/**
 * The looking glass's part of a speaker's file: `web: { host (default 127.0.0.1), port, token_file }`.
 * Anything but a loopback address needs a token: the pages show the whole routing table and its past.
 */
export async function loadWebConfig(path: string): Promise<Result.Result<WebConfig, string>> {
  const loaded = await loadServiceFile(path);
  if (Result.isFailure(loaded)) return Result.fail(loaded.failure);
  const { file, ad, problems } = loaded.success;
  if (file.web === undefined) problems.push(`${path}: web: missing; add web: { port: 8080 } (and host, token_file to serve beyond this machine)`);
  const host = file.web?.host ?? '127.0.0.1';
  let token: string | undefined;
  if (file.web?.token_file !== undefined) {
    try {
      token = readFileSync(resolve(dirname(path), file.web.token_file), 'utf8').trim();
      if (token.length < 16) problems.push(`${path}: web.token_file: the token in ${file.web.token_file} is ${token.length} characters; use at least 16 (openssl rand -hex 24 > ${file.web.token_file})`);
    } catch (error) {
      problems.push(`${path}: web.token_file: ${(error as Error).message}`);
    }
  } else if (file.web !== undefined && !isLoopback(host)) {
    problems.push(`${path}: web.host: ${host} is not a loopback address, and the looking glass shows the whole table: set web.token_file (a bearer token, e.g. openssl rand -hex 24 > web.token) or bind 127.0.0.1`);
  }
  if (ad === undefined || problems.length > 0) return Result.fail(problems.join('\n'));
  return Result.succeed({
    localAd: ad,
    host,
    port: file.web!.port,
    token,
    streams: streamsOf(file),
    gateways: (file.gateways ?? []).map((g) => ({ name: g.name, fromPeers: g.from_peers, schemes: g.schemes })),
  });
}
