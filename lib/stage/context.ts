/**
 * What every staging phase knows: the platform's directories, the stack and
 * the buildpack's own root and version.
 * @module
 */
import { join } from "../path.ts";
import { buildpackRoot } from "../root.ts";
import { buildpackFile, phaseArguments } from "../errors.ts";
import type { Logger } from "../log.ts";

/** Directories handed to supply/finalize, plus facts about the buildpack. */
export interface StagingContext {
  /** The app being staged (`/tmp/app`). */
  buildDir: string;
  /** This buildpack's app cache (`/tmp/cache/final` or `/tmp/cache/<hash>`). */
  cacheDir: string;
  /** All deps dirs (`/tmp/contentsNNNN/deps`). */
  depsDir: string;
  /** This buildpack's index, zero-padded as the platform passes it. */
  depsIdx: string;
  /** Profile dir (finalize only). */
  profileDir?: string;
  /** The buildpack's root (parent of `bin/`). */
  root: string;
  /** Contents of VERSION. */
  buildpackVersion: string;
  /** `CF_STACK`. */
  stack: string;
  /** The log. */
  log: Logger;
}

/** `deps/<IDX>` of this buildpack. */
export function ownDepsDir(ctx: StagingContext): string {
  return join(ctx.depsDir, ctx.depsIdx);
}

/** Read the buildpack's VERSION file. */
export function readBuildpackVersion(root: string): string {
  try {
    return Deno.readTextFileSync(join(root, "VERSION")).trim();
  } catch {
    throw buildpackFile(join(root, "VERSION"), "cannot be read");
  }
}

/** Build the context for supply (4 args) or finalize (5 args). */
export function stagingContext(
  phase: "supply" | "finalize",
  args: string[],
  log: Logger,
): StagingContext {
  const want = phase === "supply" ? 4 : 5;
  if (args.length !== want) {
    throw phaseArguments(
      phase,
      phase === "supply"
        ? "BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX"
        : "BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX PROFILE_DIR",
      args,
    );
  }
  const root = buildpackRoot();
  return {
    buildDir: args[0],
    cacheDir: args[1],
    depsDir: args[2],
    depsIdx: args[3],
    profileDir: args[4],
    root,
    buildpackVersion: readBuildpackVersion(root),
    stack: Deno.env.get("CF_STACK") ?? "",
    log,
  };
}
