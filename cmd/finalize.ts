/**
 * `bin/finalize BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX PROFILE_DIR`: the final
 * buildpack's last steps: app hooks, the launch environment of every deps
 * dir, the cache metadata and the closing line.
 * @module
 */
import type { Logger } from "../lib/log.ts";
import { stagingContext } from "../lib/stage/context.ts";
import { runHook } from "../lib/stage/hooks.ts";
import { stagingEnv } from "../lib/stage/staging_env.ts";
import { writeProfileDir } from "../lib/stage/multi_supply.ts";
import { writeMetadata } from "../lib/stage/metadata.ts";
import { seconds, stagingElapsed } from "../lib/stage/timer.ts";

/** The finalize phase. */
export async function finalize(args: string[], log: Logger): Promise<number> {
  const ctx = stagingContext("finalize", args, log);
  const env = stagingEnv(ctx.depsDir, Deno.env.toObject());
  await runHook("post_compile", { buildDir: ctx.buildDir, env, log });
  await writeProfileDir(ctx.depsDir, ctx.profileDir!);
  await writeMetadata(ctx.cacheDir, ctx.buildpackVersion);
  const elapsed = await stagingElapsed(ctx.cacheDir, Date.now());
  log.step(`Python buildpack finished${elapsed === undefined ? "" : ` in ${seconds(elapsed)}`}`);
  return 0;
}
