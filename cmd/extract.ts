/**
 * `buildpack extract ARCHIVE TARGET` or `buildpack extract --stdin` (the job
 * as one JSON line on stdin, none when stdin closes empty): internal, run by
 * supply as a child process (see `lib/deps/extract_child.ts`). Prints
 * nothing on success; a failure is one JSON line on stdout for the parent to
 * rebuild.
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { phaseArguments } from "../lib/errors.ts";
import { extractArchive } from "../lib/deps/extract.ts";
import { failureRecord, parseJob } from "../lib/deps/extract_child.ts";

/** The internal extract command. */
export async function extract(args: string[], _log: Logger): Promise<number> {
  const fromStdin = args.length === 1 && args[0] === "--stdin";
  if (!fromStdin && args.length !== 2) {
    throw phaseArguments("extract", "ARCHIVE TARGET | --stdin", args);
  }
  try {
    const job = fromStdin
      ? parseJob(await new Response(Deno.stdin.readable).text())
      : { archive: args[0], target: args[1] };
    if (job) await extractArchive(job.archive, job.target);
    return 0;
  } catch (err) {
    const record = failureRecord(err);
    await Deno.stdout.write(new TextEncoder().encode(JSON.stringify(record) + "\n"));
    return record.kind === "buildpack" ? record.exitCode : 1;
  }
}
