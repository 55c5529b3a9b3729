import * as grpc from '@grpc/grpc-js';
import { peerMessageCodec, type PeerMessage, type PeerMessage__Output } from '#libs/wire';

/** A message as it came off the stream: decoded with its exact bytes, or only its size when over the limit. */
export type Received = { readonly message: PeerMessage__Output; readonly bytes: Buffer } | { readonly oversize: number; readonly limit: number };

const codec = peerMessageCodec();

/**
 * DtnPeering/Peer (§7.1) with our own (de)serializers on both sides: a message over
 * `maxMessageBytes` is not decoded but reported, so the session can answer LIMIT_MESSAGE_SIZE
 * (§9.4); every other keeps its wire bytes, which the event log stores as received. grpc-js's own
 * limit sits above ours: only a message over both ends the stream without a Notification.
 */
export function peerService(maxMessageBytes: number): grpc.ServiceDefinition {
  const receive = (bytes: Buffer): Received =>
    bytes.length > maxMessageBytes ? { oversize: bytes.length, limit: maxMessageBytes } : { message: codec.decode(bytes), bytes };
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

/** grpc-js's own receive limit: twice ours, so that ours is the one that answers. */
export const transportLimit = (maxMessageBytes: number): grpc.ChannelOptions => ({
  'grpc.max_receive_message_length': maxMessageBytes * 2,
});

export const PeerClient = (maxMessageBytes: number) => grpc.makeGenericClientConstructor(peerService(maxMessageBytes), 'DtnPeering');
