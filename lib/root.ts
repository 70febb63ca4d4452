/**
 * Locating the buildpack's own root directory.
 * @module
 */
import { dirname, isAbsolute, join, resolve } from "./path.ts";

let invoked: string | undefined;

/**
 * argv[0] as the platform invoked the program (`.../bin/supply`), read from
 * `/proc/self/cmdline`. Not `node:process`: loading it costs every phase
 * ~12 ms of start-up, and the stacks are Linux. Not `Deno.execPath()`
 * either: that is the real binary behind the `bin/*` symlinks.
 * @throws Error when /proc is not mounted
 */
export function invokedAs(): string {
  if (invoked === undefined) {
    const cmdline = Deno.readFileSync("/proc/self/cmdline");
    const end = cmdline.indexOf(0);
    invoked = new TextDecoder().decode(end < 0 ? cmdline : cmdline.subarray(0, end));
  }
  return invoked;
}

/**
 * The buildpack root: the parent of the directory holding argv[0]
 * (`<root>/bin/supply`). Symlinks of the file itself are NOT followed, so
 * `bin/supply -> buildpack` still points into `<root>/bin`. Never uses
 * `Deno.execPath()` (that is the real binary) or the working directory.
 */
export function buildpackRoot(argv0: string = invokedAs()): string {
  let program = argv0;
  if (!program.includes("/")) program = findOnPath(program) ?? program;
  const abs = isAbsolute(program) ? program : resolve(program);
  return dirname(dirname(abs));
}

function findOnPath(name: string): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* not here */ }
  }
  return undefined;
}

/** The program name argv[0] was invoked as (`supply` for `<root>/bin/supply`). */
export function programName(argv0: string = invokedAs()): string {
  return argv0.split("/").pop() ?? argv0;
}
