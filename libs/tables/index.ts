export { adToken, canonicalKey, canonicalKeys, keyOf, routeOfKey, tableBucket } from './src/table-key.ts';
export { deltasOf, type TableDelta, type TableTarget } from './src/table-delta.ts';
export { readLocRib, type LocRibEntry, startTableExport, type TableExportOptions } from './src/table-export.ts';
export { followTable, readTable, readTableAt, type FollowOptions, type TableEntry, type TableFollower } from './src/table-follower.ts';
export { decodeTableLines, encodeTableLines, latestSnapshot, snapshotStream, tableStream, tableSubject } from './src/table-stream.ts';
export { TableWriter, type DeltaBatch } from './src/table-writer.ts';
export { tableMetrics } from './src/table-metrics.ts';
