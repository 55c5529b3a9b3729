import { apiSubject, askAll } from '#libs/api';
import { adToken } from '#libs/tables';
import type { PeerActionAnswer } from '../../session/src/peers-api.ts';
import { commandLine } from './command-line.ts';
import { configDefaults } from './config-defaults.ts';
import { EXIT, type CommandIo } from './io.ts';
import { withNats } from './with-nats.ts';

export const PEER_USAGE = `usage: dpp peer reset PEER --config FILE [--reason TEXT]
       dpp peer refresh PEER --config FILE

Acts on the sessions with the peer AD PEER at every running session service of the speaker
whose config FILE is given (every site), over NATS:
reset    each session ends with Notification 31 (ADMINISTRATIVE_RESET) and the reason; its
         session-down event in the log records both. The peer dials again, or is dialled.
refresh  the peer is sent its whole Adj-RIB-Out again (the routes it holds from us are
         announced anew), as after a session-up.
Exits 1 when no session with PEER is found.
`;

export async function peerCommand(args: readonly string[], io: CommandIo): Promise<number> {
  const parsed = commandLine(args, io, PEER_USAGE, { config: { type: 'string' }, reason: { type: 'string' } });
  if (typeof parsed === 'number') return parsed;
  const [action, peer, ...extra] = parsed.positionals;
  if ((action !== 'reset' && action !== 'refresh') || peer === undefined || extra.length > 0 || typeof parsed.values['config'] !== 'string') {
    io.err.write(`dpp peer: ${typeof parsed.values['config'] !== 'string' ? '--config is required' : 'expected reset PEER or refresh PEER'}\n\n${PEER_USAGE}`);
    return EXIT.usage;
  }
  const defaults = await configDefaults(parsed.values['config'], io);
  if (typeof defaults === 'number') return defaults;
  const reason = typeof parsed.values['reason'] === 'string' ? { reason: parsed.values['reason'] } : {};
  return withNats(defaults.nats, io, async (nc) => {
    const answers = await askAll<PeerActionAnswer>(nc, apiSubject(adToken(defaults.ad!), 'session.admin'), { peer, action, ...reason });
    for (const a of answers) if (a.sessions > 0) io.out.write(`${a.speakerId}: ${action === 'reset' ? 'reset' : 'sent the whole table again on'} ${a.sessions} ${a.sessions === 1 ? 'session' : 'sessions'} with ${peer}\n`);
    if (answers.every((a) => a.sessions === 0)) {
      io.err.write(`dpp peer ${action}: no session with ${peer} ${answers.length === 0 ? '(no session service answers)' : `at ${answers.map((a) => a.speakerId).join(', ')}`}\n`);
      return EXIT.invalid;
    }
    return EXIT.ok;
  });
}
