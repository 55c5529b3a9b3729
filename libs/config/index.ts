export { loadYaml } from './src/load-yaml.ts';
