import { loadPolicyConfig } from '../../policy/src/policy-config.ts';
import { startPolicyService } from '../../policy/src/policy-service.ts';
import type { CommandIo } from './io.ts';
import { runService } from './run-service.ts';

export const POLICY_USAGE = `usage: dpp policy --config FILE

Runs the policy service: judges every logged peer event under the import policy in force and
writes the verdicts to the RIB input, and keeps each configured peer's Adj-RIB-Out (the routes
export policy sends it) from the Loc-RIB changes, which the session services send. At start it
logs its policy as the version in force when it is not already: the routes already learned are
judged again under it, and only what changed is written (no session is reset). Logs one JSON
object a line on stdout; SIGINT or SIGTERM stops it cleanly. The config file is described in
README, "Policy".
`;

export const policyCommand = (args: readonly string[], io: CommandIo): Promise<number> =>
  runService('policy', POLICY_USAGE, args, io, { load: loadPolicyConfig, start: startPolicyService });
