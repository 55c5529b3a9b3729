import { Result } from 'effect';
import { loadDppFile, streamsOf } from '#libs/config';
import { EXIT, type CommandIo } from './io.ts';

/** What the commands that read a speaker's streams (`--ad`, `--nats`, `--stream`, `--bucket-prefix`, `--gateway`) take from its config file. */
export interface ConfigDefaults {
  readonly ad: string | undefined;
  readonly nats: string;
  readonly ribInput: string;
  /** The peer log and its subjects' prefix. */
  readonly peerEvents: string;
  readonly peerSubjectPrefix: string;
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
  const loaded = typeof file === 'string' ? await loadDppFile(file) : undefined;
  if (loaded && Result.isFailure(loaded)) {
    io.err.write(`${loaded.failure}\n`);
    return EXIT.invalid;
  }
  const dpp = loaded?.success;
  const { natsUrl, ribInput, peerEvents, peerSubjectPrefix, fibBucketPrefix } = streamsOf(dpp ?? {});
  return { ad: dpp?.ad, nats: natsUrl, ribInput, peerEvents, peerSubjectPrefix, fibBucketPrefix, gateway: dpp?.gateways?.[0]?.name };
}
