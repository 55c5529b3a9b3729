export { PolicyFile } from './src/policy-file.ts';
export { ACCEPT_ALL, compilePolicy, type Condition, type ImportPolicy, type Rule } from './src/import-policy.ts';
export { applyImportPolicy } from './src/evaluate-import.ts';
