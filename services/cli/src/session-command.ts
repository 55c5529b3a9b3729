import { loadSpeakerConfig } from '#libs/service-config';
import { startSpeaker } from '../../session/src/speaker.ts';
import type { CommandIo } from './io.ts';
import { runService } from './run-service.ts';

export const SESSION_USAGE = `usage: dpp session --config FILE

Runs the session service of one speaker: accepts DPP sessions on the listen address, dials the
configured peers, verifies identities through DNS(SEC) and appends every session event and
received RouteUpdate to JetStream. Logs one JSON object a line on stdout. SIGINT or SIGTERM
ends every session with a Notification (ADMINISTRATIVE_SHUTDOWN) and exits 0.
The config file is described in README, "Running a speaker".
`;

export const sessionCommand = (args: readonly string[], io: CommandIo): Promise<number> =>
  runService('session', SESSION_USAGE, args, io, { load: loadSpeakerConfig, start: startSpeaker });
