/**
 * Housekeeping steps (cache save, pruning, timing marks, metadata) run
 * after the droplet is complete: their failure is a warning, never a failed
 * staging.
 * @module
 */
import type { Logger } from "../log.ts";

/** Run `step`; if it throws, log a warning naming `what` and go on. */
export async function housekeeping(
  log: Logger,
  what: string,
  step: () => Promise<unknown>,
): Promise<void> {
  try {
    await step();
  } catch (error) {
    log.warning(
      `Could not ${what}: ${error instanceof Error ? error.message : String(error)}. ` +
        "The app is staged; only the next staging may be slower.",
    );
  }
}
