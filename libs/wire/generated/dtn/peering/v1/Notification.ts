// Original file: proto/dtn/peering/v1/dpp.proto


// Original file: proto/dtn/peering/v1/dpp.proto

export const _dtn_peering_v1_Notification_Level = {
  INFO: 'INFO',
  WARNING: 'WARNING',
  ERROR: 'ERROR',
} as const;

export type _dtn_peering_v1_Notification_Level =
  | 'INFO'
  | 0
  | 'WARNING'
  | 1
  | 'ERROR'
  | 2

export type _dtn_peering_v1_Notification_Level__Output = typeof _dtn_peering_v1_Notification_Level[keyof typeof _dtn_peering_v1_Notification_Level]

export interface Notification {
  'level'?: (_dtn_peering_v1_Notification_Level);
  'message'?: (string);
  'code'?: (number);
}

export interface Notification__Output {
  'level': (_dtn_peering_v1_Notification_Level__Output);
  'message': (string);
  'code': (number);
}
