import { loadWebConfig } from '#libs/service-config';
import { startWebService } from '../../web/src/web-server.ts';
import type { CommandIo } from './io.ts';
import { runService } from './run-service.ts';

export const WEB_USAGE = `usage: dpp web --config FILE

Runs the looking glass of one speaker: read-only web pages over its running services and its log,
each with a JSON twin under /api (the same data as the CLI's --json):
  /peers, /peers/PEER   each peer's state, uptime, routes in and out, last Notification, sessions
  /routes?q=TEXT        search by pattern text or EID (the most specific match), with filters
  /route?pattern=P      every interval of a pattern, every attribute, every candidate and the
                        §4.4 step it lost on
  /timeline?patterns=P,Q or ?gateway=NAME
                        the contact timeline: each route's window as a bar coloured by its AD, the
                        winner of each interval outlined, now as a moving line, spans of 6h to 4w;
                        it follows the Loc-RIB's changes live
  /travel?at=TIME|SEQ&gateway=NAME
                        the Loc-RIB and a gateway's FIB as they were, rebuilt from the log
  /diff?a=&b=           the Loc-RIB at two points;  /history?pattern=P  every event that touched P
The file's web: { port, host (default 127.0.0.1), token_file } says where; any address but a
loopback one needs token_file, a bearer token every request must carry (Authorization: Bearer,
or /login?token=TOKEN once in a browser). Logs one JSON object a line; SIGINT or SIGTERM stops it.
`;

export const webCommand = (args: readonly string[], io: CommandIo): Promise<number> => runService('web', WEB_USAGE, args, io, { load: loadWebConfig, start: startWebService });
