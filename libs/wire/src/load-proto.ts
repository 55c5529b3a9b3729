import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import type { PeerMessage, PeerMessage__Output } from '../generated/dtn/peering/v1/PeerMessage.ts';

export const PROTO_PATH = fileURLToPath(new URL('../../../proto/dtn/peering/v1/dpp.proto', import.meta.url));

/**
 * How decoded messages look. scripts/proto-gen.sh passes the same options to the type generator:
 * snake_case names as in the draft; 64-bit integers as decimal strings, because sequence_number
 * and bandwidth_bps may exceed 2^53; enums by name; absent fields filled with their defaults; the
 * name of the set member of each oneof (`payload`, `attribute`, `scheme`).
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export const loadDppPackage = (): protoLoader.PackageDefinition => protoLoader.loadSync(PROTO_PATH, LOADER_OPTIONS);

const PROTO_DIR = fileURLToPath(new URL('../../../proto/', import.meta.url));

/** Hardy's TVR session service (`tvr.Tvr`), for the live feed and its tests; its imports are found under proto/. */
export const loadTvrPackage = (): protoLoader.PackageDefinition => protoLoader.loadSync(`${PROTO_DIR}hardy/tvr/tvr.proto`, { ...LOADER_OPTIONS, includeDirs: [PROTO_DIR] });

export const PEER_METHOD = 'dtn.peering.v1.DtnPeering';

export interface PeerMessageCodec {
  readonly encode: (message: PeerMessage) => Buffer;
  readonly decode: (bytes: Buffer) => PeerMessage__Output;
}

/** The serializers grpc-js itself uses for `DtnPeering/Peer`: encoding here is encoding on the wire. */
export function peerMessageCodec(pkg: protoLoader.PackageDefinition = loadDppPackage()): PeerMessageCodec {
  const service = pkg[PEER_METHOD] as protoLoader.ServiceDefinition;
  const peer = service['Peer'];
  if (peer === undefined) throw new Error(`${PROTO_PATH}: service ${PEER_METHOD} has no Peer method`);
  // proto-loader types its serializers as taking any object; LOADER_OPTIONS fix the shape they produce.
  return { encode: peer.requestSerialize, decode: peer.responseDeserialize as PeerMessageCodec['decode'] };
}
