import { randomInt } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import dnsPacket, { type Packet } from 'dns-packet';
import { Result } from 'effect';
import { dtnIdentity, type DtnIdentity } from './dtn-identity.ts';
import { IdentityError } from './identity-error.ts';
import type { DtnSvcParams } from './svcb-params.ts';
import { parseSvcbRdata, type SvcbRecord } from './svcb-rdata.ts';

export interface Resolver {
  readonly host: string;
  readonly port: number;
}

export interface LookupOptions {
  /** Validating resolvers we trust (local, or over a trusted path), tried in order. */
  readonly resolvers: readonly Resolver[];
  /** §9.1: accept only answers the resolver authenticated (AD bit). Off only for labs. */
  readonly requireDnssec: boolean;
  readonly timeoutMs: number;
  readonly params: DtnSvcParams;
}

/** An identity as looked up, with whether DNSSEC authenticated it (false only with requireDnssec off). */
export interface LookedUpIdentity extends DtnIdentity {
  readonly authenticated: boolean;
}

/**
 * §5.2 step 2: the keys published at _dtn_domain.<ad>, asked of each resolver in turn until one
 * answers (a timeout, a network error or SERVFAIL moves on to the next).
 */
export async function lookupDtnIdentity(ad: string, options: LookupOptions): Promise<Result.Result<LookedUpIdentity, IdentityError>> {
  const name = `_dtn_domain.${ad.replace(/\.$/, '')}`;
  let last = new IdentityError({ reason: 'dns-failure', ad, detail: 'no resolver configured' });
  for (const resolver of options.resolvers) {
    const answer = await query(name, resolver, options.timeoutMs);
    const from = `${resolver.host}:${resolver.port}`;
    if (Result.isFailure(answer)) {
      last = new IdentityError({ reason: 'dns-failure', ad, detail: `${from}: ${answer.failure}` });
      continue;
    }
    const identity = interpret(ad, name, answer.success, options);
    if (Result.isSuccess(identity) || identity.failure.reason !== 'dns-failure') return identity;
    last = new IdentityError({ ...identity.failure, detail: `${from}: ${identity.failure.detail}` });
  }
  return Result.fail(last);
}

/** RFC 8914 extended DNS error codes that say DNSSEC validation failed (1–12 but 3 and 4). */
const DNSSEC_EDE = new Set([1, 2, 5, 6, 7, 8, 9, 10, 11, 12]);
const EDE_OPTION = 15;

function interpret(ad: string, name: string, packet: Packet, options: LookupOptions): Result.Result<LookedUpIdentity, IdentityError> {
  const fail = (reason: IdentityError['reason'], detail: string) => Result.fail(new IdentityError({ reason, ad, detail }));
  const rcode = (packet as { rcode?: string }).rcode ?? 'NOERROR';
  if (rcode === 'SERVFAIL') {
    const ede = extendedError(packet);
    return ede !== undefined && DNSSEC_EDE.has(ede.code)
      ? fail('dnssec-bogus', `resolver reports DNSSEC failure (extended error ${ede.code}${ede.text ? `: ${ede.text}` : ''})`)
      : fail('dns-failure', `SERVFAIL for ${name}${ede ? ` (extended error ${ede.code})` : ''}`);
  }
  if (rcode === 'NXDOMAIN') return fail('no-records', `${name} does not exist`);
  if (rcode !== 'NOERROR') return fail('dns-failure', `${rcode} for ${name}`);
  const authenticated = (packet as { flag_ad?: boolean }).flag_ad === true;
  if (options.requireDnssec && !authenticated) {
    return fail('dnssec-unsigned', `the answer for ${name} is not DNSSEC-authenticated (no AD bit) and DNSSEC is required`);
  }
  const records: SvcbRecord[] = [];
  const unreadable: string[] = [];
  for (const rr of svcbAnswers(name, packet)) {
    const record = parseSvcbRdata(rr);
    if (Result.isSuccess(record)) records.push(record.success);
    else unreadable.push(record.failure);
  }
  const identity = dtnIdentity(ad, records, options.params);
  if (Result.isFailure(identity)) {
    const { reason, detail } = identity.failure;
    return fail(reason, unreadable.length === 0 ? detail : `${detail}; unreadable: ${unreadable.join('; ')}`);
  }
  return Result.succeed({ ...identity.success, skipped: [...identity.success.skipped, ...unreadable], authenticated });
}

/** The RDATA of the SVCB answers for `name`, following CNAMEs in the answer section. */
function svcbAnswers(name: string, packet: Packet): Uint8Array[] {
  const owners = new Set([name.toLowerCase()]);
  for (const rr of packet.answers ?? []) {
    if (rr.type === 'CNAME' && owners.has(rr.name.toLowerCase())) owners.add(String(rr.data).toLowerCase());
  }
  return (packet.answers ?? [])
    .filter((rr) => (rr.type as string) === 'UNKNOWN_64' && owners.has(rr.name.toLowerCase()))
    .map((rr) => (rr as unknown as { data: Buffer }).data);
}

/** The extended error that explains a SERVFAIL: a DNSSEC one if any, else the first. */
function extendedError(packet: Packet): { code: number; text: string } | undefined {
  const errors: { code: number; text: string }[] = [];
  for (const rr of packet.additionals ?? []) {
    if (rr.type !== 'OPT') continue;
    for (const option of (rr as { options?: { code: number; data?: Buffer }[] }).options ?? []) {
      if (option.code === EDE_OPTION && option.data && option.data.length >= 2) {
        errors.push({ code: option.data.readUInt16BE(0), text: option.data.subarray(2).toString('utf8') });
      }
    }
  }
  return errors.find((e) => DNSSEC_EDE.has(e.code)) ?? errors[0];
}

/**
 * One query over UDP, again over TCP when the answer is truncated. Asks for AD (RFC 6840 §5.7)
 * without DO: the resolver validates, we need no signatures. A reply counts only if it comes from
 * the resolver (connected sockets) and its id and question match the query.
 */
async function query(name: string, resolver: Resolver, timeoutMs: number): Promise<Result.Result<Packet, string>> {
  const id = randomInt(0, 0x10000);
  const request: Packet = {
    type: 'query',
    id,
    flags: dnsPacket.RECURSION_DESIRED | dnsPacket.AUTHENTIC_DATA,
    questions: [{ type: 'UNKNOWN_64' as 'A', class: 'IN', name }],
    additionals: [{ type: 'OPT', name: '.', udpPayloadSize: 1232 } as unknown as dnsPacket.Answer],
  };
  const matches = (reply: Packet) => reply.id === id && reply.questions?.[0]?.name.toLowerCase() === name.toLowerCase();
  const udp = await overUdp(dnsPacket.encode(request), resolver, timeoutMs, matches);
  if (Result.isFailure(udp) || !(udp.success as { flag_tc?: boolean }).flag_tc) return udp;
  return overTcp(dnsPacket.streamEncode(request), resolver, timeoutMs, matches);
}

/**
 * One request/answer exchange on a socket: settles once, on the answer, an error or the
 * timeout, and always closes the socket.
 */
function exchange(
  transport: string,
  timeoutMs: number,
  open: (done: (result: Result.Result<Packet, string>) => void) => { close(): void; on(event: 'error', listener: (error: Error) => void): unknown },
): Promise<Result.Result<Packet, string>> {
  return new Promise((resolve) => {
    let settled = false;
    let socket: { close(): void } | undefined;
    const done = (result: Result.Result<Packet, string>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.close();
      resolve(result);
    };
    const timer = setTimeout(() => done(Result.fail(`no answer over ${transport} within ${timeoutMs} ms`)), timeoutMs);
    try {
      const opened = open(done);
      socket = opened;
      opened.on('error', (error) => done(Result.fail(`${transport}: ${error.message}`)));
    } catch (error) {
      done(Result.fail(`${transport}: ${(error as Error).message}`));
    }
  });
}

function overUdp(message: Buffer, resolver: Resolver, timeoutMs: number, matches: (p: Packet) => boolean): Promise<Result.Result<Packet, string>> {
  return exchange('UDP', timeoutMs, (done) => {
    const socket = createSocket(resolver.host.includes(':') ? 'udp6' : 'udp4');
    // Connected: the kernel passes on only datagrams from the resolver's address and port.
    socket.on('message', (bytes) => {
      try {
        const reply = dnsPacket.decode(bytes);
        if (matches(reply)) done(Result.succeed(reply));
      } catch {
        // Not a DNS message for us: keep waiting for the real answer until the timeout.
      }
    });
    socket.connect(resolver.port, resolver.host, () => socket.send(message, (error) => error && done(Result.fail(`UDP: ${error.message}`))));
    return socket;
  });
}

function overTcp(message: Buffer, resolver: Resolver, timeoutMs: number, matches: (p: Packet) => boolean): Promise<Result.Result<Packet, string>> {
  return exchange('TCP', timeoutMs, (done) => {
    const socket = connect(resolver.port, resolver.host);
    let received = Buffer.alloc(0);
    socket.on('connect', () => socket.write(message));
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2 || received.length < 2 + received.readUInt16BE(0)) return;
      try {
        const reply = dnsPacket.streamDecode(received);
        done(matches(reply) ? Result.succeed(reply) : Result.fail('TCP answer does not match the question'));
      } catch (error) {
        done(Result.fail(`TCP: malformed answer: ${(error as Error).message}`));
      }
    });
    return { close: () => socket.destroy(), on: (event: 'error', listener: (error: Error) => void) => socket.on(event, listener) };
  });
}
