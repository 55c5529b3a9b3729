/** A request stream whose gRPC framing is broken, and how. */
export interface FramingError {
  readonly kind: 'compressed-flag' | 'truncated';
  readonly reason: string;
}

/**
 * The Length-Prefixed-Message framing of gRPC over HTTP/2 (a 1-byte Compressed-Flag, a 4-byte
 * length, the message) followed as the request's bytes arrive. grpc-js lets three breaks pass
 * and ends such a call with grpc-status 0: a flag other than 0 or 1 (read as uncompressed), a
 * flag of 1 with no grpc-encoding to decompress by (read as uncompressed) and a message cut
 * short by END_STREAM (dropped). The protocol makes each an error (gRPC's PROTOCOL-HTTP2 spec; grpc-go
 * answers INTERNAL), and a peer whose framing is broken has no message we could trust.
 * `write` answers the first break in a chunk; `end` whether the stream ended inside a message.
 */
export function framingCheck(encoding: string): { write(chunk: Uint8Array): FramingError | undefined; end(): FramingError | undefined } {
  const header = new Uint8Array(5);
  let headerHeld = 0;
  let bodyLeft = 0;
  let messages = 0;
  return {
    write(chunk) {
      for (let at = 0; at < chunk.length; ) {
        if (bodyLeft > 0) {
          const take = Math.min(bodyLeft, chunk.length - at);
          bodyLeft -= take;
          at += take;
          continue;
        }
        header[headerHeld++] = chunk[at++]!;
        if (headerHeld < 5) continue;
        headerHeld = 0;
        messages++;
        const flag = header[0]!;
        if (flag > 1) return { kind: 'compressed-flag', reason: `message ${messages} has Compressed-Flag ${flag}; only 0 and 1 exist` };
        if (flag === 1 && encoding === 'identity') return { kind: 'compressed-flag', reason: `message ${messages} is marked compressed, but the stream declared no grpc-encoding` };
        bodyLeft = ((header[1]! << 24) >>> 0) + (header[2]! << 16) + (header[3]! << 8) + header[4]!;
      }
      return undefined;
    },
    end() {
      if (headerHeld > 0) return { kind: 'truncated', reason: `the stream ended inside the 5-byte header of message ${messages + 1} (${headerHeld} bytes of it)` };
      if (bodyLeft > 0) return { kind: 'truncated', reason: `the stream ended ${bodyLeft} bytes short of the end of message ${messages}` };
      return undefined;
    },
  };
}
