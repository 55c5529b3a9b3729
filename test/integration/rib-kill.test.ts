import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Result } from 'effect';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { decodeLocRibChanges, decodeRibInput, type PeerEvent } from '#libs/events';
import { attributesOf } from '#libs/rib';
import { LocRib, type LocRibChange } from '#libs/rib';
import { advertisementToWire, peerMessageCodec, withdrawalToWire } from '#libs/wire';
import { seeded } from '../../bench/lib/random.ts';
import { PeerEventLog } from '../../services/session/src/event-log.ts';
import { until } from '#libs/lab';

const root = fileURLToPath(new URL('../..', import.meta.url));
const EVENTS = 80;

/**
 * design.md property 3: a RIB and a policy service killed with SIGKILL again and again lose nothing
 * and repeat nothing, scheduled routes among them: windows open and close while they are down.
 */
describe('dpp rib and dpp policy under kill -9', () => {
  let nc: NatsConnection;
  const id = randomUUID().slice(0, 8);
  const names = { peer: `KP_${id}`, input: `KR_${id}`, changes: `KC_${id}` };
  const dir = mkdtempSync(join(tmpdir(), 'dpp-ribkill-'));
  const config = join(dir, 'rib.yaml');
  const policyConfig = join(dir, 'policy.yaml');
  let policy: ChildProcess | undefined;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
    writeFileSync(config, stringify({ ad: 'us.example.test', nats: { url: inject('natsUrl') }, checkpoint: 'rib.sqlite', streams: { rib_input: names.input, loc_rib: names.changes }, batch: 5 }));
    writeFileSync(policyConfig, stringify({ ad: 'us.example.test', nats: { url: inject('natsUrl'), stream: names.peer, subject_prefix: `kp.${id}` }, streams: { rib_input: names.input, loc_rib: names.changes }, batch: 5 }));
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    policy?.kill('SIGKILL');
    await nc?.close();
  });

  const service = async (name: 'rib' | 'policy', file: string, ready: string) => {
    const process_ = spawn(process.execPath, ['bin/dpp.js', name, '--config', file], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    process_.stdout.on('data', (c: Buffer) => (out += c.toString()));
    await until(`dpp ${name} to start`, () => (out.includes(ready) ? true : undefined), { ms: 15_000 });
    return process_;
  };
  const start = () => service('rib', config, '"RIB resumed"');
  const startPolicy = () => service('policy', policyConfig, '"policy service running"');
  const kill9 = async (p: ChildProcess) => {
    const gone = new Promise((resolve) => p.once('exit', resolve));
    p.kill('SIGKILL');
    await gone;
  };
  const count = async (stream: string) => (await (await jetstreamManager(nc)).streams.info(stream)).state.messages;
  const read = async (stream: string): Promise<{ seq: number; text: string }[]> => {
    const total = await count(stream);
    const got: { seq: number; text: string }[] = [];
    if (total === 0) return got;
    for await (const m of await (await jetstream(nc).consumers.get(stream)).fetch({ max_messages: total, expires: 3_000 })) {
      got.push({ seq: m.seq, text: m.string() });
      if (got.length === total) break;
    }
    return got;
  };

  it('ends with the change stream a clean replay of its input gives, each change once, and nothing left of the windows that ended', async () => {
    const peers = await PeerEventLog.open(nc, { stream: names.peer, subjectPrefix: `kp.${id}` });
    const random = seeded(4242);
    const killAt = new Set(Array.from({ length: 4 }, () => 10 + Math.floor(random() * (EVENTS - 20))));
    child = await start();
    policy = await startPolicy();
    let kills = 0;
    let lastEnd = 0;
    for (let i = 1; i <= EVENTS; i++) {
      const ad = `n${Math.floor(random() * 3)}.example.test`;
      const pattern = `ipn:${Math.floor(random() * 10)}.*.*`;
      // A third of the routes are scheduled: windows that open and close over the kills.
      const from = random() < 0.35 ? Date.now() + 200 + Math.floor(random() * 2_000) : undefined;
      const window = from === undefined ? {} : { validFrom: from, validUntil: (lastEnd = Math.max(lastEnd, from + 500 + Math.floor(random() * 1_500))) };
      const attributes = attributesOf({ adPath: [ad, ...(random() < 0.5 ? ['x.example.test'] : [])], metric: Math.floor(random() * 3), transitive: [], ...window });
      const update = random() < 0.7 ? { announcements: [advertisementToWire([pattern], attributes)] } : { withdrawals: [withdrawalToWire([pattern], window.validFrom)] };
      const message = peerMessageCodec().encode({ sequence_number: String(i), update }).toString('base64');
      const event: PeerEvent = { v: 1, kind: 'route-update', sessionId: `s-${ad}`, n: i, speakerId: 'dtn://us', peerAd: ad, peerSpeakerId: 'dtn://x', receivedAt: Date.now(), sequenceNumber: String(i), message };
      await peers.append(event, `${id}-${i}`);
      if (killAt.has(i)) {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 150)));
        // The RIB or the policy service (which writes the RIB input), by turns.
        if (kills++ % 2 === 0) {
          await kill9(child);
          child = await start();
        } else {
          await kill9(policy);
          policy = await startPolicy();
        }
      }
    }
    // Every peer event imported exactly once, whatever the kills.
    // The RIB's own clock events are in its input beside them.
    const imported = async () => (await read(names.input)).filter(({ seq, text }) => Result.getOrThrow(decodeRibInput(text, seq)).type !== 'clock').length;
    await until('every peer event imported', async () => ((await imported()) >= EVENTS ? true : undefined), { ms: 60_000 });
    expect(await imported()).toBe(EVENTS);
    // Every window ended, and the RIB has said so: no scheduled route is left in what it published.
    const windowsLeft = async () => {
      const held = new Map<string, number | undefined>();
      for (const { text } of await read(names.changes)) {
        for (const c of Result.getOrThrow(decodeLocRibChanges(text))) {
          if (c.previous) held.delete(`${c.pattern} ${c.previous.validFrom}`);
          if (c.best) held.set(`${c.pattern} ${c.best.validFrom}`, c.best.validUntil);
        }
      }
      return [...held].filter(([, end]) => end !== undefined);
    };
    await until('every window to have ended in the change stream', async () => (Date.now() > lastEnd && (await windowsLeft()).length === 0 ? true : undefined), { ms: 60_000 });

    // What a clean projection emits over that input, against what the killed-and-restarted RIB published.
    const scratch = new LocRib('us.example.test');
    const expected: LocRibChange[] = [];
    for (const { seq, text } of await read(names.input)) {
      const event = decodeRibInput(text, seq);
      if (Result.isFailure(event)) expect.fail(event.failure);
      expected.push(...scratch.apply(event.success));
    }
    // Each change read back as a valid v1 change, equal to the reference run's (a message holds an event's changes).
    const published = async () => (await read(names.changes)).flatMap(({ text }) => Result.getOrThrow(decodeLocRibChanges(text)));
    await until('every change published', async () => ((await published()).length >= expected.length ? true : undefined), { ms: 60_000 });
    expect(await published()).toEqual(expected);

    for (const p of [child, policy]) {
      const stopped = new Promise((resolve) => p.once('exit', resolve));
      p.kill('SIGTERM');
      expect(await stopped).toBe(0);
    }
    child = policy = undefined;
  }, 240_000);
});
