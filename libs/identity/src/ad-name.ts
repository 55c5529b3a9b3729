import { Result } from 'effect';
import { wholeName } from '#libs/eid';

/**
 * An AD identity (§3.1) as a DNS name: the labels dtn node names allow, lower-cased, without the
 * trailing dot. The SVCB lookup of §5.2 needs a DNS name, so that is what an AD is here.
 */
export function adName(text: string): Result.Result<string, string> {
  const scanned = wholeName(text.replace(/\.$/, ''), false, `AD "${text}"`);
  return 'error' in scanned ? Result.fail(scanned.error.message) : Result.succeed(scanned.name);
}
