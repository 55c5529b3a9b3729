import { Result } from 'effect';
import { DEFAULT_NATS_URL, loadDppFile, streamsOf } from '#libs/config';
import { EXIT, type CommandIo } from './io.ts';

/** What the commands that read a speaker's streams (`--ad`, `--nats`, `--stream`, `--bucket-prefix`, `--gateway`) take from its config file. */
export interface ConfigDefaults {
  readonly ad: string | undefined;
  readonly nats: string;
  readonly ribInput: string;
  readonly fibBucketPrefix: string;
  /** The first gateway the file configures. */
  readonly gateway: string | undefined;
}

/** The help line every such command shows for it. */
export const CONFIG_OPTION = `  --config FILE    a speaker's config file: the options below default to what it says`;

/**
 * The defaults `--config FILE` gives, with the environment's overrides as every service reads
 * them (DPP_NATS_URL); without --config, the built-in ones. A file that does not load is said on
 * stderr, and the exit code returned.
 */
export async function configDefaults(file: string | boolean | undefined, io: CommandIo): Promise<ConfigDefaults | number> {
  if (typeof file !== 'string') return { ad: undefined, nats: DEFAULT_NATS_URL, ribInput: 'DPP_RIB_INPUT', fibBucketPrefix: 'dpp-fib', gateway: undefined };
  const loaded = await loadDppFile(file);
  if (Result.isFailure(loaded)) {
    io.err.write(`${loaded.failure}\n`);
    return EXIT.invalid;
  }
  const streams = streamsOf(loaded.success);
  return { ad: loaded.success.ad, nats: streams.natsUrl, ribInput: streams.ribInput, fibBucketPrefix: streams.fibBucketPrefix, gateway: loaded.success.gateways?.[0]?.name };
}
