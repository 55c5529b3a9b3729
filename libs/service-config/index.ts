export { DEFAULT_BACKOFF, DEFAULT_LIMITS, loadSpeakerConfig, type Backoff, type EventLogConfig, type PeerTarget, type SpeakerConfig, type SpeakerLimits, type TlsFiles } from './src/speaker-config.ts';
export { loadPolicyConfig, type PolicyConfig } from './src/policy-config.ts';
export { loadRibConfig, type RibConfig } from './src/rib-config.ts';
export { loadFibExportConfig, STATE_BUCKET, type FibExportConfig, type HardyTarget } from './src/fib-export-config.ts';
export { isLoopback, loadWebConfig, type WebConfig } from './src/web-config.ts';
