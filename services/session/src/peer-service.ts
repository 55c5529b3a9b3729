import * as grpc from '@grpc/grpc-js';
import { peerMessageCodec, type PeerMessage, type PeerMessage__Output } from '#libs/wire';

/** A message as it came off the stream: decoded with its exact bytes, or why it could not be. */
export type Received =
  | { readonly message: PeerMessage__Output; readonly bytes: Buffer }
  | { readonly oversize: number; readonly limit: number }
  | { readonly malformed: string };

const codec = peerMessageCodec();

/**
 * DtnPeering/Peer (§7.1) with our own (de)serializers on both sides: a message over
 * `maxMessageBytes` is not decoded but reported, so the session can answer LIMIT_MESSAGE_SIZE
 * (§9.4), and one that does not decode is reported for MALFORMED_MESSAGE; every other keeps its
 * wire bytes, which the event log stores as received. grpc-js's own
 * limit sits above ours: only a message over both ends the stream without a Notification.
 */
export function peerService(maxMessageBytes: number): grpc.ServiceDefinition {
  const receive = (bytes: Buffer): Received => {
    if (bytes.length > maxMessageBytes) return { oversize: bytes.length, limit: maxMessageBytes };
    try {
      return { message: codec.decode(bytes), bytes };
    } catch (error) {
      // Answered with MALFORMED_MESSAGE by the session, not by grpc-js ending the call.
      return { malformed: (error as Error).message };
    }
  };
  const send = (message: PeerMessage): Buffer => codec.encode(message);
  return {
    Peer: {
      path: '/dtn.peering.v1.DtnPeering/Peer',
      requestStream: true,
      responseStream: true,
      requestSerialize: send,
      requestDeserialize: receive,
      responseSerialize: send,
      responseDeserialize: receive,
      originalName: 'Peer',
    },
  };
}

/**
 * grpc-js's own receive limit, twice ours so that ours is the one that answers; and HTTP/2 pings,
 * so that a peer that vanished without closing is noticed before its hold timer.
 */
export const transportLimit = (maxMessageBytes: number): grpc.ChannelOptions => ({
  'grpc.max_receive_message_length': maxMessageBytes * 2,
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
});

export const PeerClient = (maxMessageBytes: number) => grpc.makeGenericClientConstructor(peerService(maxMessageBytes), 'DtnPeering');
