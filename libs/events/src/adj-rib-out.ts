import { Result, Schema } from 'effect';
import { attributesOf, type ExportedRoute, type RouteAttributes } from '#libs/rib';
import { decodeJson } from './decode-json.ts';
import { attributeFields } from './rib-log.ts';

/** A route of a peer's Adj-RIB-Out, as export policy made it, version 1: what the session sends for the pattern. */
export const ExportedRouteV1 = Schema.Struct({ v: Schema.Literal(1), pattern: Schema.String, ...attributeFields });

/** The stored form of an exported route: one key per pattern in the peer's Adj-RIB-Out table. */
export const encodeExportedRoute = (pattern: string, attributes: RouteAttributes): string => JSON.stringify({ v: 1, pattern, ...attributes });

/** An exported route read back with validation, or why it is not one. */
export function decodeExportedRoute(json: string): Result.Result<ExportedRoute, string> {
  const decoded = decodeJson(ExportedRouteV1, json);
  return Result.isFailure(decoded) ? Result.fail(decoded.failure) : Result.succeed({ pattern: decoded.success.pattern, attributes: attributesOf(decoded.success) });
}
