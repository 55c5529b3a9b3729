export { ensureStream, type StreamSpec } from './src/ensure-stream.ts';
export { consumeBatches, stallWatch } from './src/batch-consumer.ts';
export { orderedConsumer, readLog } from './src/read-log.ts';
export { natsReadiness } from './src/connection-state.ts';
export { connectNats, natsServers } from './src/connect-nats.ts';
export { openLivenessBucket } from './src/liveness-bucket.ts';
