import { Schema, type Result } from 'effect';
import { decodeJson } from './decode-json.ts';

/**
 * What a running session service says of itself every few seconds in the liveness bucket, version
 * 1: its established sessions, so that whoever outlives it can log their end.
 */
export const SpeakerHeartbeatV1 = Schema.Struct({
  v: Schema.Literal(1),
  instance: Schema.String,
  speakerId: Schema.String,
  sessions: Schema.Array(Schema.Struct({ sessionId: Schema.String, peerAd: Schema.String, peerSpeakerId: Schema.String })),
});

export type SpeakerHeartbeat = Omit<typeof SpeakerHeartbeatV1.Type, 'v'>;

export const encodeHeartbeat = (beat: SpeakerHeartbeat): string => JSON.stringify({ v: 1, ...beat });

export const decodeHeartbeat = (json: string): Result.Result<typeof SpeakerHeartbeatV1.Type, string> => decodeJson(SpeakerHeartbeatV1, json);
