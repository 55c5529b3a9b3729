export { PolicyFile, policyVersion } from './src/policy-file.ts';
export { ACCEPT_ALL, chainsFor, compilePolicy, type Condition, type ExportPolicy, type ImportPolicy, type Policy, type Rule } from './src/policy.ts';
export { applyImportPolicy } from './src/evaluate-import.ts';
export { exportRoute, type ExportDecision } from './src/evaluate-export.ts';
export { AdjRibIn } from './src/soft-reconfiguration.ts';
export { CounterFold, type PeerCounters } from './src/peer-counters.ts';
