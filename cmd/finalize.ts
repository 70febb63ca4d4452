/**
 * `bin/finalize BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX PROFILE_DIR`: the final
 * buildpack's last steps: Django's collectstatic, the app's post_compile
 * hook, the default web process, the launch environment of every deps dir,
 * the cache metadata and the closing line.
 * @module
 */
import { join } from "../lib/path.ts";
import type { Logger } from "../lib/log.ts";
import { ownDepsDir, type StagingContext, stagingContext } from "../lib/stage/context.ts";
import { runHook } from "../lib/stage/hooks.ts";
import { stagingEnv } from "../lib/stage/staging_env.ts";
import { writeProfileDir } from "../lib/stage/multi_supply.ts";
import { writeMetadata } from "../lib/stage/metadata.ts";
import { housekeeping } from "../lib/stage/housekeeping.ts";
import { summaryLines, takeSupplySummary, timed } from "../lib/stage/summary.ts";
import { seconds, stagingElapsed } from "../lib/stage/timer.ts";
import { pythonEnv } from "../lib/python/python_env.ts";
import { installedDistributions, sitePackagesDir } from "../lib/python/site_packages.ts";
import { collectStatic } from "../lib/django/collectstatic.ts";
import { defaultWebProcess, findWsgiModules, launchYaml } from "../lib/stage/web_process.ts";

/** The finalize phase. */
export async function finalize(args: string[], log: Logger): Promise<number> {
  const ctx = stagingContext("finalize", args, log);
  const steps: [string, number][] = [];
  const env = stagingEnv(ctx.depsDir, Deno.env.toObject());
  const installed = installedPackages(ctx);
  await timed(steps, "collectstatic", () =>
    collectStatic({
      buildDir: ctx.buildDir,
      pythonDir: join(ownDepsDir(ctx), "python"),
      djangoInstalled: installed.includes("django"),
      env: appPythonEnv(ctx, env),
      log,
    }));
  await timed(
    steps,
    "post_compile hook",
    () => runHook("post_compile", { buildDir: ctx.buildDir, env, log }),
  );
  await writeDefaultWebProcess(ctx, installed);
  await writeProfileDir(ctx.depsDir, ctx.profileDir!);
  await housekeeping(
    log,
    "write the cache metadata",
    () => writeMetadata(ctx.cacheDir, ctx.buildpackVersion),
  );
  await printSummary(ctx, steps);
  const elapsed = await stagingElapsed(ctx.cacheDir, Date.now());
  log.step(`Python buildpack finished${elapsed === undefined ? "" : ` in ${seconds(elapsed)}`}`);
  return 0;
}

/** Where the staging time went and what the cache gave (supply's part noted in the cache). */
async function printSummary(ctx: StagingContext, steps: [string, number][]): Promise<void> {
  const supplied = await takeSupplySummary(ctx.cacheDir);
  if (!supplied) return;
  const lines = summaryLines(supplied, steps)
    .map((l) => l.replace("deps/<IDX>", `deps/${ctx.depsIdx}`));
  ctx.log.step("Staging summary");
  for (const line of lines) ctx.log.info(line);
}

function installedPackages(ctx: StagingContext): string[] {
  const sp = sitePackagesDir(join(ownDepsDir(ctx), "python"));
  return sp ? installedDistributions(sp) : [];
}

/** The staged python's env; HOME is the app, as at runtime, for relocated `.pth` paths. */
function appPythonEnv(ctx: StagingContext, env: Record<string, string>): Record<string, string> {
  return {
    ...pythonEnv(env, { cacheDir: ctx.cacheDir, depsIdxDir: ownDepsDir(ctx) }),
    HOME: ctx.buildDir,
  };
}

async function writeDefaultWebProcess(ctx: StagingContext, installed: string[]): Promise<void> {
  const procfile = await Deno.stat(join(ctx.buildDir, "Procfile")).then(() => true, () => false);
  const web = defaultWebProcess({
    gunicorn: installed.includes("gunicorn"),
    procfile,
    modules: findWsgiModules(ctx.buildDir),
  });
  if (web.command) {
    await Deno.writeTextFile(join(ownDepsDir(ctx), "launch.yml"), launchYaml(web.command));
    ctx.log.info(`Default web process: ${web.command} (${web.reason})`);
  } else {
    ctx.log.info(`No default web process: ${web.reason}`);
  }
}
