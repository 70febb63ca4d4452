/**
 * `bin/release BUILD_DIR`: the default process types as YAML. Empty unless
 * certain: a Procfile or `cf push -c` decides otherwise.
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { phaseArguments } from "../lib/errors.ts";

/** The release phase. */
export async function release(args: string[], _log: Logger): Promise<number> {
  if (args.length < 1) throw phaseArguments("release", "BUILD_DIR", args);
  await Deno.stdout.write(new TextEncoder().encode("---\ndefault_process_types: {}\n"));
  return 0;
}
