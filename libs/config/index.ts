export { loadDppFile, loadServiceFile, readDppYaml } from './src/load-yaml.ts';
export { DEFAULT_NATS_URL, DppFile, ENV_OVERRIDES, MaxRoutes, metricsOf, streamsOf, withEnvOverrides, type Streams } from './src/dpp-file.ts';
export { DPP_VERSION } from './src/version.ts';
