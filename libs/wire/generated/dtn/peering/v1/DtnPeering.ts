// Original file: proto/dtn/peering/v1/dpp.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { PeerMessage as _dtn_peering_v1_PeerMessage, PeerMessage__Output as _dtn_peering_v1_PeerMessage__Output } from '../../../dtn/peering/v1/PeerMessage.ts';

export interface DtnPeeringClient extends grpc.Client {
  Peer(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_dtn_peering_v1_PeerMessage, _dtn_peering_v1_PeerMessage__Output>;
  Peer(options?: grpc.CallOptions): grpc.ClientDuplexStream<_dtn_peering_v1_PeerMessage, _dtn_peering_v1_PeerMessage__Output>;
  peer(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_dtn_peering_v1_PeerMessage, _dtn_peering_v1_PeerMessage__Output>;
  peer(options?: grpc.CallOptions): grpc.ClientDuplexStream<_dtn_peering_v1_PeerMessage, _dtn_peering_v1_PeerMessage__Output>;
  
}

export interface DtnPeeringHandlers extends grpc.UntypedServiceImplementation {
  Peer: grpc.handleBidiStreamingCall<_dtn_peering_v1_PeerMessage__Output, _dtn_peering_v1_PeerMessage>;
  
}

export interface DtnPeeringDefinition extends grpc.ServiceDefinition {
  Peer: MethodDefinition<_dtn_peering_v1_PeerMessage, _dtn_peering_v1_PeerMessage, _dtn_peering_v1_PeerMessage__Output, _dtn_peering_v1_PeerMessage__Output>
}
