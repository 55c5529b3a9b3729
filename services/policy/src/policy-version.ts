import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { PolicyEvent } from '#libs/events';
import { policyVersion, type PolicyFile } from '#libs/policy';

/**
 * Logs the policy as the version in force, unless it already is the last one logged. The write
 * expects the last policy event to be the one read, so two policy services started together with
 * different policies cannot both believe theirs is in force: the loser reads again and appends
 * after the winner. Returns the version and where it was logged (undefined: it already was).
 */
export async function logPolicyVersion(nc: NatsConnection, stream: string, subject: string, file: PolicyFile, now: number): Promise<{ version: string; seq: number | undefined }> {
  const version = policyVersion(file);
  const jsm = await jetstreamManager(nc);
  for (let attempt = 0; ; attempt++) {
    const last = await jsm.streams.getMessage(stream, { last_by_subj: subject });
    if (last && (JSON.parse(last.string()) as PolicyEvent).version === version) return { version, seq: undefined };
    const event: PolicyEvent = { v: 1, kind: 'policy', version, at: now, policy: file };
    try {
      const ack = await jetstream(nc).publish(subject, JSON.stringify(event), { msgID: `policy-${version}-${last?.seq ?? 0}`, expect: { lastSubjectSequence: last?.seq ?? 0 } });
      return { version, seq: ack.seq };
    } catch (error) {
      if (attempt >= 5) throw error;
    }
  }
}
