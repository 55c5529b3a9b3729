import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { DtnPattern as _dtn_peering_v1_DtnPattern, DtnPattern__Output as _dtn_peering_v1_DtnPattern__Output } from './dtn/peering/v1/DtnPattern.ts';
import type { DtnPeeringClient as _dtn_peering_v1_DtnPeeringClient, DtnPeeringDefinition as _dtn_peering_v1_DtnPeeringDefinition } from './dtn/peering/v1/DtnPeering.ts';
import type { EidPattern as _dtn_peering_v1_EidPattern, EidPattern__Output as _dtn_peering_v1_EidPattern__Output } from './dtn/peering/v1/EidPattern.ts';
import type { Hello as _dtn_peering_v1_Hello, Hello__Output as _dtn_peering_v1_Hello__Output } from './dtn/peering/v1/Hello.ts';
import type { HelloChallenge as _dtn_peering_v1_HelloChallenge, HelloChallenge__Output as _dtn_peering_v1_HelloChallenge__Output } from './dtn/peering/v1/HelloChallenge.ts';
import type { HelloResponse as _dtn_peering_v1_HelloResponse, HelloResponse__Output as _dtn_peering_v1_HelloResponse__Output } from './dtn/peering/v1/HelloResponse.ts';
import type { IpnPattern as _dtn_peering_v1_IpnPattern, IpnPattern__Output as _dtn_peering_v1_IpnPattern__Output } from './dtn/peering/v1/IpnPattern.ts';
import type { KeepAlive as _dtn_peering_v1_KeepAlive, KeepAlive__Output as _dtn_peering_v1_KeepAlive__Output } from './dtn/peering/v1/KeepAlive.ts';
import type { Notification as _dtn_peering_v1_Notification, Notification__Output as _dtn_peering_v1_Notification__Output } from './dtn/peering/v1/Notification.ts';
import type { PeerMessage as _dtn_peering_v1_PeerMessage, PeerMessage__Output as _dtn_peering_v1_PeerMessage__Output } from './dtn/peering/v1/PeerMessage.ts';
import type { RouteAdvertisement as _dtn_peering_v1_RouteAdvertisement, RouteAdvertisement__Output as _dtn_peering_v1_RouteAdvertisement__Output } from './dtn/peering/v1/RouteAdvertisement.ts';
import type { RouteAttribute as _dtn_peering_v1_RouteAttribute, RouteAttribute__Output as _dtn_peering_v1_RouteAttribute__Output } from './dtn/peering/v1/RouteAttribute.ts';
import type { RouteUpdate as _dtn_peering_v1_RouteUpdate, RouteUpdate__Output as _dtn_peering_v1_RouteUpdate__Output } from './dtn/peering/v1/RouteUpdate.ts';
import type { RouteWithdrawal as _dtn_peering_v1_RouteWithdrawal, RouteWithdrawal__Output as _dtn_peering_v1_RouteWithdrawal__Output } from './dtn/peering/v1/RouteWithdrawal.ts';
import type { UnknownAttribute as _dtn_peering_v1_UnknownAttribute, UnknownAttribute__Output as _dtn_peering_v1_UnknownAttribute__Output } from './dtn/peering/v1/UnknownAttribute.ts';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.ts';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  dtn: {
    peering: {
      v1: {
        DtnPattern: MessageTypeDefinition<_dtn_peering_v1_DtnPattern, _dtn_peering_v1_DtnPattern__Output>
        DtnPeering: SubtypeConstructor<typeof grpc.Client, _dtn_peering_v1_DtnPeeringClient> & { service: _dtn_peering_v1_DtnPeeringDefinition }
        EidPattern: MessageTypeDefinition<_dtn_peering_v1_EidPattern, _dtn_peering_v1_EidPattern__Output>
        Hello: MessageTypeDefinition<_dtn_peering_v1_Hello, _dtn_peering_v1_Hello__Output>
        HelloChallenge: MessageTypeDefinition<_dtn_peering_v1_HelloChallenge, _dtn_peering_v1_HelloChallenge__Output>
        HelloResponse: MessageTypeDefinition<_dtn_peering_v1_HelloResponse, _dtn_peering_v1_HelloResponse__Output>
        IpnPattern: MessageTypeDefinition<_dtn_peering_v1_IpnPattern, _dtn_peering_v1_IpnPattern__Output>
        KeepAlive: MessageTypeDefinition<_dtn_peering_v1_KeepAlive, _dtn_peering_v1_KeepAlive__Output>
        Notification: MessageTypeDefinition<_dtn_peering_v1_Notification, _dtn_peering_v1_Notification__Output>
        PeerMessage: MessageTypeDefinition<_dtn_peering_v1_PeerMessage, _dtn_peering_v1_PeerMessage__Output>
        RouteAdvertisement: MessageTypeDefinition<_dtn_peering_v1_RouteAdvertisement, _dtn_peering_v1_RouteAdvertisement__Output>
        RouteAttribute: MessageTypeDefinition<_dtn_peering_v1_RouteAttribute, _dtn_peering_v1_RouteAttribute__Output>
        RouteUpdate: MessageTypeDefinition<_dtn_peering_v1_RouteUpdate, _dtn_peering_v1_RouteUpdate__Output>
        RouteWithdrawal: MessageTypeDefinition<_dtn_peering_v1_RouteWithdrawal, _dtn_peering_v1_RouteWithdrawal__Output>
        UnknownAttribute: MessageTypeDefinition<_dtn_peering_v1_UnknownAttribute, _dtn_peering_v1_UnknownAttribute__Output>
      }
    }
  }
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
}

