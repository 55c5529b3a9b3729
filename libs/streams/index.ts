export { DUPLICATE_WINDOW_MS, ensureStream, type StreamSpec } from './src/ensure-stream.ts';
export { consumeBatches, stallWatch } from './src/batch-consumer.ts';
export { orderedConsumer, PULL_BYTES, readLog } from './src/read-log.ts';
export { natsReadiness } from './src/connection-state.ts';
export { connectNats, HOT_PATH, messageRoom, natsOptions, natsServers } from './src/connect-nats.ts';
export { openLivenessBucket } from './src/liveness-bucket.ts';
export { publishInOrder, type OrderedMessage, type SubjectTail } from './src/publish-in-order.ts';
export { publisherFor, type JetStreamPublisher } from './src/jetstream-publisher.ts';
export { lastPerSubject, type LastMessage } from './src/last-per-subject.ts';
