/**
 * The conda path of supply, taken when the app has an `environment.yml`
 * (and then nothing of the pip path runs): Miniforge from the manifest into
 * `deps/<IDX>/conda`, `conda env update -n dep_env`, `conda clean -pt`,
 * `conda/bin` linked into `deps/<IDX>/bin`, and `profile.d/conda.sh`, which
 * relocates and activates `dep_env` at launch.
 * @module
 */
import { join } from "../path.ts";
import type { StagingContext } from "../stage/context.ts";
import { ownDepsDir } from "../stage/context.ts";
import type { Manifest } from "../manifest.ts";
import type { DependencyInstaller } from "../deps/install.ts";
import { configYaml } from "../stage/launch_files.ts";
import {
  ENVIRONMENT_FILE,
  IGNORED_VERSION_FILES,
  versionFileWarnings,
} from "./environment_file.ts";
import { chooseMiniforge, installMiniforge } from "./miniforge.ts";
import { condaEnv, updateEnvironment } from "./env_update.ts";
import { prefixedTextFiles, PROFILE_SCRIPT, profileScript, writeRelocation } from "./relocate.ts";

async function presentVersionFiles(buildDir: string): Promise<string[]> {
  const present: string[] = [];
  for (const file of IGNORED_VERSION_FILES) {
    try {
      if ((await Deno.stat(join(buildDir, file))).isFile) present.push(file);
    } catch { /* absent */ }
  }
  return present;
}

/** Relative links `deps/<IDX>/bin/NAME` -> `../conda/bin/NAME` (libbuildpack's LinkDirectoryInDepDir). */
async function linkCondaBin(depsIdxDir: string): Promise<void> {
  const bin = join(depsIdxDir, "bin");
  await Deno.mkdir(bin, { recursive: true });
  for await (const e of Deno.readDir(join(depsIdxDir, "conda", "bin"))) {
    const link = join(bin, e.name);
    await Deno.remove(link).catch(() => {});
    await Deno.symlink(join("..", "conda", "bin", e.name), link);
  }
}

/**
 * Supply an environment.yml app with conda.
 * @param options.env the staging environment (conda and its pip see all of it)
 */
export async function supplyConda(
  ctx: StagingContext,
  options: { manifest: Manifest; installer: DependencyInstaller; env: Record<string, string> },
): Promise<void> {
  const { log } = ctx;
  const depsIdxDir = ownDepsDir(ctx);
  const environmentYml = join(ctx.buildDir, ENVIRONMENT_FILE);
  const text = await Deno.readTextFile(environmentYml).catch(() => "");
  for (const warning of versionFileWarnings(await presentVersionFiles(ctx.buildDir), text)) {
    log.warning(warning);
  }
  const env = condaEnv(options.env, { cacheDir: ctx.cacheDir });
  const condaDir = join(depsIdxDir, "conda");

  log.step("Supplying conda");
  const miniforge = chooseMiniforge(options.manifest, ctx.stack);
  await installMiniforge(miniforge, { installer: options.installer, condaDir, env, log });
  await updateEnvironment(condaDir, { environmentYml, env, log, debug: log.debugEnabled });

  await linkCondaBin(depsIdxDir);
  const files = await prefixedTextFiles(depsIdxDir);
  log.debug(`${files.length} text files under ${condaDir} name the staging path`);
  await writeRelocation(depsIdxDir, files);
  await Deno.mkdir(join(depsIdxDir, "profile.d"), { recursive: true });
  await Deno.writeTextFile(
    join(depsIdxDir, "profile.d", PROFILE_SCRIPT),
    profileScript(ctx.depsIdx),
  );
  await Deno.writeTextFile(
    join(depsIdxDir, "config.yml"),
    configYaml({ depsIdx: ctx.depsIdx, buildpackVersion: ctx.buildpackVersion }),
  );
  await options.installer.pruneCache();
  log.step("Done");
}
