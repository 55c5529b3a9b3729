export { jsonLog, type LogLine } from './src/json-log.ts';
