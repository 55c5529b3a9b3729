// Original file: proto/dtn/peering/v1/dpp.proto

import type { Hello as _dtn_peering_v1_Hello, Hello__Output as _dtn_peering_v1_Hello__Output } from '../../../dtn/peering/v1/Hello.ts';
import type { HelloChallenge as _dtn_peering_v1_HelloChallenge, HelloChallenge__Output as _dtn_peering_v1_HelloChallenge__Output } from '../../../dtn/peering/v1/HelloChallenge.ts';
import type { HelloResponse as _dtn_peering_v1_HelloResponse, HelloResponse__Output as _dtn_peering_v1_HelloResponse__Output } from '../../../dtn/peering/v1/HelloResponse.ts';
import type { KeepAlive as _dtn_peering_v1_KeepAlive, KeepAlive__Output as _dtn_peering_v1_KeepAlive__Output } from '../../../dtn/peering/v1/KeepAlive.ts';
import type { RouteUpdate as _dtn_peering_v1_RouteUpdate, RouteUpdate__Output as _dtn_peering_v1_RouteUpdate__Output } from '../../../dtn/peering/v1/RouteUpdate.ts';
import type { Notification as _dtn_peering_v1_Notification, Notification__Output as _dtn_peering_v1_Notification__Output } from '../../../dtn/peering/v1/Notification.ts';
import type { Long } from '@grpc/proto-loader';

export interface PeerMessage {
  'sequence_number'?: (number | string | Long);
  'hello'?: (_dtn_peering_v1_Hello | null);
  'challenge'?: (_dtn_peering_v1_HelloChallenge | null);
  'response'?: (_dtn_peering_v1_HelloResponse | null);
  'keep_alive'?: (_dtn_peering_v1_KeepAlive | null);
  'update'?: (_dtn_peering_v1_RouteUpdate | null);
  'notification'?: (_dtn_peering_v1_Notification | null);
  'payload'?: "hello"|"challenge"|"response"|"keep_alive"|"update"|"notification";
}

export interface PeerMessage__Output {
  'sequence_number': (string);
  'hello'?: (_dtn_peering_v1_Hello__Output | null);
  'challenge'?: (_dtn_peering_v1_HelloChallenge__Output | null);
  'response'?: (_dtn_peering_v1_HelloResponse__Output | null);
  'keep_alive'?: (_dtn_peering_v1_KeepAlive__Output | null);
  'update'?: (_dtn_peering_v1_RouteUpdate__Output | null);
  'notification'?: (_dtn_peering_v1_Notification__Output | null);
  'payload'?: "hello"|"challenge"|"response"|"keep_alive"|"update"|"notification";
}
