/**
 * The options every end-to-end test shares: skipped (saying why) when the
 * machine lacks what it needs, and no op/resource sanitizers, since they
 * start servers and child processes that outlive single awaits.
 * @module
 */
import { skipReason } from "./runtimes.ts";

/** Deno.test options for a group of e2e tests; prints the skip reason once. */
export function e2eOptions(
  group: string,
  skip: string | undefined = skipReason("3.11"),
): { ignore: boolean; sanitizeOps: false; sanitizeResources: false } {
  if (skip) console.log(`${group} e2e tests skipped: ${skip}`);
  return { ignore: skip !== undefined, sanitizeOps: false, sanitizeResources: false };
}
