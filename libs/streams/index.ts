export { ensureStream, type StreamSpec } from './src/ensure-stream.ts';
