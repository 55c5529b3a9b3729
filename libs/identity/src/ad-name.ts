import { Result } from 'effect';
import { Cursor } from '#libs/eid';

/**
 * An AD identity (§3.1) as a DNS name: the labels dtn node names allow, lower-cased, without the
 * trailing dot. The SVCB lookup of §5.2 needs a DNS name, so that is what an AD is here.
 */
export function adName(text: string): Result.Result<string, string> {
  const cursor = new Cursor(text.replace(/\.$/, ''), 0);
  if (!cursor.scanAuthority(false)) return Result.fail(`AD "${text}": ${cursor.error?.message ?? 'not a DNS name'}`);
  if (!cursor.done) return Result.fail(`AD "${text}": a DNS name, without "/" (column ${cursor.at + 1})`);
  return Result.succeed(cursor.name());
}
