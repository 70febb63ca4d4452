/**
 * Legacy `bin/compile BUILD_DIR CACHE_DIR` for single-buildpack platforms:
 * deps live in `<app>/.cloudfoundry/0`, then supply and finalize run as usual
 * with the app's `.profile.d` as profile dir.
 * @module
 */
import { join } from "../lib/path.ts";
import type { Logger } from "../lib/log.ts";
import { phaseArguments } from "../lib/errors.ts";
import { supply } from "./supply.ts";
import { finalize } from "./finalize.ts";

/** The legacy compile phase. */
export async function compile(args: string[], log: Logger): Promise<number> {
  if (args.length !== 2) throw phaseArguments("compile", "BUILD_DIR CACHE_DIR", args);
  const [buildDir, cacheDir] = args;
  const depsDir = join(buildDir, ".cloudfoundry");
  const profileDir = join(buildDir, ".profile.d");
  await Deno.mkdir(join(depsDir, "0"), { recursive: true });
  await Deno.mkdir(profileDir, { recursive: true });
  await Deno.writeTextFile(
    join(profileDir, "0000_set-deps-dir.sh"),
    "export DEPS_DIR=$HOME/.cloudfoundry\n",
  );
  const code = await supply([buildDir, cacheDir, depsDir, "0"], log);
  if (code !== 0) return code;
  return await finalize([buildDir, cacheDir, depsDir, "0", profileDir], log);
}
