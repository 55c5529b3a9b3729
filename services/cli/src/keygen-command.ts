import { parseArgs } from 'node:util';
import { Result } from 'effect';
import { adName, DEFAULT_SVC_PARAMS, generateAdKey, publicKeyPath, spkiBase64, svcbZoneLine, writeKeyFiles, type DtnSvcParams } from '#libs/identity';
import { EXIT, type CommandIo } from './io.ts';

export const KEYGEN_USAGE = `usage: dpp keygen --ad AD --out FILE [--force] [--svcb-keys ALG,PUBKEY] [--json]

Makes an ed25519 key pair for an AD (or for one of its speakers, §5.1.1): the private key in
FILE (PKCS#8 PEM, mode 0600), the public key in FILE.pub, and prints the SVCB record to publish
in the AD's DNSSEC-signed zone (§5.1).

  --ad AD               the AD identity, a DNS name (e.g. dsn.example.org)
  --out FILE            where to write the private key; FILE.pub gets the public key
  --force               replace FILE if it exists (default: refuse)
  --svcb-keys ALG,PUB   SvcParamKey numbers of dtn-alg and dtn-pubkey (default 65280,65281:
                        the draft's numbers are still TBD; use what your speakers are configured with)
  --json                print {"ad", "privateKey", "publicKey", "dtnPubkey", "zoneLine"}
`;

export async function keygenCommand(args: readonly string[], io: CommandIo): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...args],
      options: {
        ad: { type: 'string' },
        out: { type: 'string' },
        force: { type: 'boolean', default: false },
        'svcb-keys': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    io.err.write(`dpp keygen: ${(error as Error).message}\n\n${KEYGEN_USAGE}`);
    return EXIT.usage;
  }
  if (values.help) {
    io.out.write(KEYGEN_USAGE);
    return EXIT.ok;
  }
  if (values.ad === undefined || values.out === undefined) {
    io.err.write(`dpp keygen: --ad and --out are required\n\n${KEYGEN_USAGE}`);
    return EXIT.usage;
  }
  const ad = adName(values.ad);
  const params = svcbKeys(values['svcb-keys']);
  const problem = Result.isFailure(ad) ? ad.failure : Result.isFailure(params) ? params.failure : undefined;
  if (problem !== undefined || Result.isFailure(ad) || Result.isFailure(params)) {
    io.err.write(`dpp keygen: ${problem}\n`);
    return EXIT.usage;
  }
  const key = await generateAdKey();
  const written = await writeKeyFiles(values.out, key, values.force);
  if (Result.isFailure(written)) {
    io.err.write(`dpp keygen: ${written.failure}\n`);
    return EXIT.invalid;
  }
  const report = {
    ad: ad.success,
    privateKey: values.out,
    publicKey: publicKeyPath(values.out),
    dtnPubkey: spkiBase64(key.publicKey),
    zoneLine: svcbZoneLine(ad.success, key.publicKey, params.success),
  };
  io.out.write(
    values.json
      ? `${JSON.stringify(report)}\n`
      : `private key: ${report.privateKey} (mode 0600: keep it on the speaker only)\npublic key:  ${report.publicKey}\n\n` +
          `Publish this record in the DNSSEC-signed zone of ${report.ad}:\n${report.zoneLine}\n`,
  );
  return EXIT.ok;
}

function svcbKeys(text: string | undefined): Result.Result<DtnSvcParams, string> {
  if (text === undefined) return Result.succeed(DEFAULT_SVC_PARAMS);
  const numbers = text.split(',').map(Number);
  const valid = numbers.length === 2 && numbers.every((n) => Number.isInteger(n) && n >= 0 && n <= 65535) && numbers[0] !== numbers[1];
  return valid
    ? Result.succeed({ alg: numbers[0]!, pubkey: numbers[1]! })
    : Result.fail(`--svcb-keys "${text}": expected two different SvcParamKey numbers 0-65535, "ALG,PUBKEY" (e.g. 65280,65281)`);
}
