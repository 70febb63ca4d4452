/**
 * `buildpack extract ARCHIVE TARGET`: internal, run by supply as a child
 * process (see `lib/deps/extract_child.ts`). Prints nothing on success; a
 * failure is one JSON line on stdout for the parent to rebuild.
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { phaseArguments } from "../lib/errors.ts";
import { extractArchive } from "../lib/deps/extract.ts";
import { failureRecord } from "../lib/deps/extract_child.ts";

/** The internal extract command. */
export async function extract(args: string[], _log: Logger): Promise<number> {
  if (args.length !== 2) throw phaseArguments("extract", "ARCHIVE TARGET", args);
  try {
    await extractArchive(args[0], args[1]);
    return 0;
  } catch (err) {
    const record = failureRecord(err);
    await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(record) + "\n"));
    return record.kind === "buildpack" ? record.exitCode : 1;
  }
}
