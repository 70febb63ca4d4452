/**
 * The buildpack's single entry point. Installed as `bin/detect`,
 * `bin/supply`, `bin/finalize`, `bin/release`, `bin/compile` (symlinks), it
 * takes the phase from the program name; under any other name the first
 * argument names it (`buildpack supply ...`).
 * @module
 */
import { invokedAs, programName } from "./lib/root.ts";
import { BuildpackError, usage } from "./lib/errors.ts";
import { Logger } from "./lib/log.ts";
import { activityPhrase, describeIoError } from "./lib/io_errors.ts";

/** A phase: takes its arguments, returns the exit code. */
export type Phase = (args: string[], log: Logger) => Promise<number>;

// Loaded on demand: detect and release stay small and fast (no YAML or tar
// code), which keeps their start-up time and memory down.
const PHASES: Record<string, () => Promise<Phase>> = {
  detect: async () => (await import("./cmd/detect.ts")).detect,
  supply: async () => (await import("./cmd/supply.ts")).supply,
  finalize: async () => (await import("./cmd/finalize.ts")).finalize,
  release: async () => (await import("./cmd/release.ts")).release,
  compile: async () => (await import("./cmd/compile.ts")).compile,
  version: async () => (await import("./cmd/version.ts")).version,
  // Internal: supply extracts the runtime in a child process of this executable.
  extract: async () => (await import("./cmd/extract.ts")).extract,
};

/** Choose the phase from argv[0]'s basename, else from the first argument. */
export function choosePhase(
  argv0: string,
  args: string[],
): { name: string | undefined; args: string[] } {
  const prog = programName(argv0);
  if (prog in PHASES && prog !== "version" && prog !== "extract") return { name: prog, args };
  const [first, ...rest] = args;
  if (first === "--version") return { name: "version", args: rest };
  return { name: first, args: rest };
}

/** Run the buildpack; resolves to the process exit code. */
export async function main(argv0: string, args: string[]): Promise<number> {
  const log = new Logger(undefined, { debug: (Deno.env.get("BP_DEBUG") ?? "") !== "" });
  const { name, args: rest } = choosePhase(argv0, args);
  try {
    const load = name === undefined ? undefined : PHASES[name];
    if (!load) throw usage(name);
    return await (await load())(rest, log);
  } catch (err) {
    if (err instanceof BuildpackError) {
      log.error(err.message);
      return err.exitCode;
    }
    // A full disk or a permission problem is the environment's, not a bug.
    const io = describeIoError(err, { doing: activityPhrase(log.activity) });
    if (io) {
      log.error(io.message);
      return io.exitCode;
    }
    log.error(
      `Unexpected failure: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n` +
        "This is a bug in the buildpack; please report it with this log.",
    );
    return 1;
  }
}

if (import.meta.main) {
  Deno.exit(await main(invokedAs(), Deno.args));
}
