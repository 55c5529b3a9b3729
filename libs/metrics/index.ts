export { LATENCY_BUCKETS, Registry, type Counter, type Gauge, type Histogram } from './src/registry.ts';
export { serveMetrics, startMetricsServer } from './src/metrics-server.ts';
