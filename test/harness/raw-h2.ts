import http2 from 'node:http2';
import { peerMessageCodec, type PeerMessage__Output } from '#libs/wire';
import { peerService } from '../../services/session/src/peer-service.ts';

const PEER_PATH = peerService(0)['Peer']!.path;
const codec = peerMessageCodec();

/**
 * A gRPC length-prefixed message (gRPC over HTTP/2, "Length-Prefixed-Message") whose header may
 * lie: any compressed flag, any length.
 */
export function grpcFrame(payload: Uint8Array, header: { flag?: number; length?: number } = {}): Buffer {
  const frame = Buffer.alloc(5 + payload.length);
  frame.writeUInt8(header.flag ?? 0, 0);
  frame.writeUInt32BE(header.length ?? payload.length, 1);
  frame.set(payload, 5);
  return frame;
}

/** How the speaker ended its side of a raw stream, as the client saw it. */
export interface RawOutcome {
  /** grpc-status from the trailers (or a trailers-only response); undefined if there was none. */
  readonly status: number | undefined;
  /** grpc-message, with it. */
  readonly message: string | undefined;
  /** The HTTP/2 RST_STREAM code if the stream was reset rather than ended (END_STREAM). */
  readonly rstCode: number | undefined;
  /** Response bytes left over that are not a whole gRPC message (the server never sends such). */
  readonly leftover: number;
}

/** One DtnPeering/Peer stream written byte by byte: nothing of grpc-js on this side. */
export interface RawPeerStream {
  /** Writes one chunk; resolves when HTTP/2 flow control takes more, or at once if the stream is over. */
  write(chunk: Buffer): Promise<void>;
  end(): void;
  /** Every PeerMessage the speaker sent so far, in order. */
  readonly received: readonly PeerMessage__Output[];
  next(payload: string, ms?: number): Promise<PeerMessage__Output>;
  /** Both sides are done with the stream. */
  readonly closed: Promise<void>;
  /** Resolves once the speaker has ended (or reset) its side: what it answered is all there. */
  readonly answered: Promise<RawOutcome>;
  destroy(): void;
}

/**
 * An HTTP/2 connection over TLS to a speaker's Responder, as a gRPC client would open it (ALPN
 * h2, the AD as TLS server name and :authority), that writes whatever bytes a test gives it.
 */
export function rawH2Connection(options: { port: number; authority: string; ca: Buffer; settings?: http2.Settings }): { open(headers?: Record<string, string>): RawPeerStream; close(): Promise<void> } {
  const session = http2.connect(`https://127.0.0.1:${options.port}`, { ca: options.ca, servername: options.authority, minVersion: 'TLSv1.3', ...(options.settings ? { settings: options.settings } : {}) });
  // A connection the speaker drops is seen by each stream; the session's own error must not throw.
  session.on('error', () => undefined);
  return {
    open: (headers = {}) => openStream(session, options.authority, headers),
    close: () => new Promise<void>((resolve) => (session.closed ? resolve() : session.close(() => resolve()))),
  };
}

function openStream(session: http2.ClientHttp2Session, authority: string, headers: Record<string, string>): RawPeerStream {
  const req = session.request({ ':method': 'POST', ':path': PEER_PATH, ':authority': authority, 'content-type': 'application/grpc', te: 'trailers', ...headers });
  const received: PeerMessage__Output[] = [];
  let status: number | undefined;
  let message: string | undefined;
  let pending = Buffer.alloc(0);
  let closed = false;
  let over = false;
  /** `next` calls waiting: each answers whether it is done. */
  const waiters = new Set<() => boolean>();
  const wake = () => {
    for (const w of waiters) if (w()) waiters.delete(w);
  };
  let settle: (o: RawOutcome) => void = () => undefined;
  const answered = new Promise<RawOutcome>((resolve) => (settle = resolve));
  const answer = (o: RawOutcome) => {
    over = true;
    settle(o);
    wake();
  };
  const takeStatus = (h: http2.IncomingHttpHeaders) => {
    if (h['grpc-status'] !== undefined) status = Number(h['grpc-status']);
    if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
  };
  req.on('response', takeStatus);
  req.on('trailers', takeStatus);
  req.on('error', () => undefined);
  req.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 5 && pending.length >= 5 + pending.readUInt32BE(1)) {
      const length = pending.readUInt32BE(1);
      received.push(codec.decode(pending.subarray(5, 5 + length)));
      pending = pending.subarray(5 + length);
    }
    wake();
  });
  // END_STREAM from the speaker (trailers) ends the readable side; a reset only closes the stream.
  req.once('end', () => answer({ status, message, rstCode: undefined, leftover: pending.length }));
  const whenClosed = new Promise<void>((resolve) =>
    req.once('close', () => {
      closed = true;
      answer({ status, message, rstCode: req.rstCode, leftover: pending.length });
      resolve();
    }),
  );
  return {
    // A write the closed stream will never drain must not hold the writer.
    write: async (chunk) => {
      if (closed || req.writableEnded) return;
      if (!req.write(chunk)) await Promise.race([new Promise<void>((resolve) => req.once('drain', resolve)), whenClosed]);
    },
    end: () => void (closed || req.writableEnded || req.end()),
    received,
    // Woken by each message rather than polled: thousands of handshakes wait on it.
    next: (payload, ms = 10_000) =>
      new Promise<PeerMessage__Output>((resolve, reject) => {
        const timer = setTimeout(() => check(true), ms);
        const check = (timedOut = false) => {
          const found = received.find((m) => m.payload === payload);
          if (found) resolve(found);
          else if (over || timedOut) reject(new Error(`no ${payload} from the speaker: ${over ? 'it ended the stream' : `not within ${ms} ms`}`));
          else return false;
          clearTimeout(timer);
          return true;
        };
        if (!check()) waiters.add(check);
      }),
    closed: whenClosed,
    answered,
    destroy: () => req.close(http2.constants.NGHTTP2_CANCEL),
  };
}
