import { randomUUID } from 'node:crypto';
import { DeliverPolicy, jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * The harness's nats-server is real: these check the JetStream behaviour the services rely on
 * (durable append, deduplication by message id, ordered replay from a sequence), not a mock of it.
 */
describe('real nats-server with JetStream', () => {
  let nc: NatsConnection;
  beforeAll(async () => {
    nc = await connect({ servers: inject('natsUrl') });
  });
  afterAll(() => nc.close());

  const newStream = async (): Promise<string> => {
    const name = `T${randomUUID().replaceAll('-', '')}`;
    const jsm = await jetstreamManager(nc);
    const info = await jsm.streams.add({ name, subjects: [`${name}.>`], storage: StorageType.File, duplicate_window: 60e9 });
    // nats-server 2.9 silently drops fields it does not know: check what it stored.
    expect(info.config).toMatchObject({ name, subjects: [`${name}.>`], storage: 'file', duplicate_window: 60e9 });
    return name;
  };

  it('publishes events and replays them in order from the start and from a sequence', async () => {
    const stream = await newStream();
    const js = jetstream(nc);
    const sent = Array.from({ length: 50 }, (_, i) => `event ${i}`);
    for (const [i, text] of sent.entries()) {
      const ack = await js.publish(`${stream}.peer.${i % 3}`, text, { msgID: `m${i}` });
      expect(ack.seq).toBe(i + 1);
    }
    const replay = async (from: number): Promise<string[]> => {
      const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: from });
      const got: string[] = [];
      for await (const m of await consumer.fetch({ max_messages: sent.length - from + 1, expires: 5_000 })) got.push(m.string());
      return got;
    };
    expect(await replay(1)).toEqual(sent);
    expect(await replay(41)).toEqual(sent.slice(40));
  });

  it('runs with the shipped deploy/nats/single-node.conf: 8 MB payloads are accepted', () => {
    expect(nc.info?.max_payload).toBe(8 * 1024 * 1024);
  });

  it('deduplicates a republished message id instead of appending it twice', async () => {
    const stream = await newStream();
    const js = jetstream(nc);
    const first = await js.publish(`${stream}.x`, 'once', { msgID: 'same-id' });
    const again = await js.publish(`${stream}.x`, 'once', { msgID: 'same-id' });
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ duplicate: true, seq: first.seq });
    const info = await (await jetstreamManager(nc)).streams.info(stream);
    expect(info.state.messages).toBe(1);
  });

});
