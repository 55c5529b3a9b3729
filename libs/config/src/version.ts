import { readFileSync } from 'node:fs';

/** dpp's version, as package.json gives it: what dpp_build_info and the man page say. */
export const DPP_VERSION = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
