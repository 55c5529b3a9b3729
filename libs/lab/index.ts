export { exited, freePort, installed, SERVER_ENV, startProcess, type ServerProcess } from './src/server-process.ts';
export { NATS_CLUSTER_CONFIG, NATS_CONFIG, startNatsCluster, startNatsServer, type NatsCluster, type NatsServer } from './src/nats-server.ts';
export { SIGNED_ZONE, startDnsLab, type DnsLab, type LabRecords } from './src/dns-lab.ts';
export { startTlsLab, type TlsLab } from './src/tls-lab.ts';
export { until, within } from './src/until.ts';
