export { adToken, keyOf, routeOfKey, tableBucket } from './src/table-key.ts';
export { deltasOf, type TableDelta, type TableTarget } from './src/table-delta.ts';
export { readLocRib, type LocRibEntry, startTableExport, type TableExportOptions } from './src/table-export.ts';
export { followTable, readTable, type TableEntry, type TableFollower } from './src/table-follower.ts';
export { tableMetrics } from './src/table-metrics.ts';
