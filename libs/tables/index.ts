export { adToken, keyOf, patternOfKey, tableBucket } from './src/table-key.ts';
export { deltaOf, type TableDelta, type TableTarget } from './src/table-delta.ts';
export { readLocRib, startTableExport, type TableExportOptions } from './src/table-export.ts';
export { followTable, readTable, type TableEntry, type TableFollower } from './src/table-follower.ts';
export { tableMetrics } from './src/table-metrics.ts';
