/**
 * `bin/supply BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX`: install CPython and the
 * app's packages into `deps/<IDX>` and write what runtime needs.
 * @module
 */
import { join } from "../lib/path.ts";
import type { Logger } from "../lib/log.ts";
import { ownDepsDir, type StagingContext, stagingContext } from "../lib/stage/context.ts";
import { checkStackSupported, loadManifest, type Manifest } from "../lib/manifest.ts";
import { stagingEnv } from "../lib/stage/staging_env.ts";
import { runHook } from "../lib/stage/hooks.ts";
import { ignoredVariables, ignoredVariablesMessage } from "../lib/python/hostile_env.ts";
import {
  choosePython,
  readRequiresPython,
  readVersionRequest,
  versionFileWarnings,
} from "../lib/python/version_sources.ts";
import { deprecationWarning, newerPatchWarning } from "../lib/deps/warnings.ts";
import { DependencyInstaller } from "../lib/deps/install.ts";
import { installRuntime, linkRuntime, type RuntimeResult } from "../lib/python/runtime.ts";
import type { Dependency } from "../lib/manifest.ts";
import { pipChoice } from "../lib/python/pip_version.ts";
import {
  type AppPackagesContext,
  type AppPackagesResult,
  installAppPackages,
  pipEnvironment,
  planAppPackages,
} from "../lib/python/app_packages.ts";
import { writeLaunchFiles } from "../lib/stage/launch_files.ts";
import {
  discard,
  hasSavedEnvironment,
  save as saveEnvironment,
  type TreeSummary,
} from "../lib/python/environment_cache.ts";
import { housekeeping } from "../lib/stage/housekeeping.ts";
import { noteSupplySummary, timed } from "../lib/stage/summary.ts";
import { installedDistributions, sitePackagesDir } from "../lib/python/site_packages.ts";
import { markStagingStart, seconds } from "../lib/stage/timer.ts";
import { previousBuildpackVersion } from "../lib/stage/metadata.ts";
import { dependenciesFor } from "../lib/manifest.ts";
import { bytecodeArchiveFor, type UsedBytecodeArchive } from "../lib/python/bytecode_archive.ts";
import { usesConda } from "../lib/conda/uses_conda.ts";
import { writeStagingSbom } from "../lib/sbom.ts";

/** The supply phase. */
export async function supply(args: string[], log: Logger): Promise<number> {
  const started = Date.now();
  const steps: [string, number][] = [];
  const ctx = stagingContext("supply", args, log);
  const installer = new DependencyInstaller({ root: ctx.root, cacheDir: ctx.cacheDir, log });
  await prestartExtraction(ctx, installer);
  await housekeeping(log, "note the staging start", () => markStagingStart(ctx.cacheDir, started));
  log.step(`Python Buildpack version ${ctx.buildpackVersion}`);
  const manifest = await checkStack(ctx);
  await warnBuildpackUpgrade(ctx);
  warnIgnoredVariables(ctx);
  const env = stagingEnv(ctx.depsDir, Deno.env.toObject());
  await timed(steps, "pre_compile hook", () => runHook("pre_compile", { ...ctx, env, log }));
  await makeDepsDirs(ctx);
  if (await usesConda(ctx.buildDir)) {
    await installer.close();
    const { supplyConda } = await import("../lib/conda/supply.ts");
    await supplyConda(ctx, { manifest, installer, env });
    return 0;
  }

  const python = await choosePythonVersion(ctx, manifest);
  pipChoice(Deno.env.get("BP_PIP_VERSION")); // a bad BP_PIP_VERSION fails before any download
  const packagesCtx = appPackagesContext(ctx);
  const plan = await planAppPackages(packagesCtx, {
    manifest,
    pythonVersion: python.version,
    env: Deno.env.toObject(),
  });
  const depsIdxDir = ownDepsDir(ctx);
  const runtime = await timed(steps, "runtime", () =>
    installRuntime(python, {
      depsIdxDir,
      cacheDir: ctx.cacheDir,
      buildpackVersion: ctx.buildpackVersion,
      stack: ctx.stack,
      installer,
      log,
      clean: cleanInstall(log),
      pythonEnv: () => pipEnvironment(packagesCtx),
      bytecodeArchive: bytecodeArchiveFor(manifest, python, ctx.stack),
    }).finally(() => installer.close()));
  const packages = await timed(steps, "packages", () =>
    installAppPackages(packagesCtx, {
      plan,
      manifest,
      installer,
      runtime,
      runtimeSha256: python.sha256,
      pythonVersion: python.version,
    })).catch(async (error) => {
      await discard(runtime.preSave); // no half copy left in the app cache
      throw error;
    });
  // deps/<IDX>/python is final: its copy into the app cache (a child process)
  // runs beside the steps that write elsewhere or only read it.
  const saving = timed(
    steps,
    "cache save",
    () => saveForNextStaging(ctx, { python, runtime, packages }),
  );
  try {
    await linkRuntime(depsIdxDir);
    await writeLaunchFiles(depsIdxDir, {
      depsIdx: ctx.depsIdx,
      buildpackVersion: ctx.buildpackVersion,
      nltkData: packages.nltkData,
    });
    await housekeeping(log, "prune the app cache", () => installer.pruneCache());
    await writeSbom(ctx, python, runtime.bytecodeArchive);
  } finally {
    await saving;
  }
  const saved = await saving;
  await noteSummary(ctx, { steps, python, runtime, packages, source: plan.source, saved });
  log.info(
    `Python ${python.version} ready: runtime ${runtime.reused ? "reused" : "installed"}, ` +
      `packages ${packages.action} (supply took ${seconds(Date.now() - started)})`,
  );
  return 0;
}

/**
 * The environment saved to the app cache for the next staging (a failure is
 * a warning); the saved tree, whose listing also gives the installed size.
 */
async function saveForNextStaging(
  ctx: StagingContext,
  done: { python: Dependency; runtime: RuntimeResult; packages: AppPackagesResult },
): Promise<TreeSummary | undefined> {
  const { python, runtime, packages } = done;
  let tree: TreeSummary | undefined;
  await housekeeping(ctx.log, "save the Python environment to the app cache", async () => {
    ctx.log.info("Saving the Python environment to the app cache");
    const result = await saveEnvironment(ctx.cacheDir, join(ownDepsDir(ctx), "python"), {
      buildpackVersion: ctx.buildpackVersion,
      stack: ctx.stack,
      runtime: { version: python.version, sha256: python.sha256 },
      fingerprint: packages.fingerprint,
      runtimePackages: runtime.runtimePackages,
      ...(runtime.bytecodeArchive && { bytecodeArchive: runtime.bytecodeArchive }),
      inputs: packages.inputs,
    }, { preSave: runtime.preSave });
    if ("warning" in result) ctx.log.warning(result.warning);
    else tree = result.tree;
  });
  return tree;
}

/** Supply's part of the staging summary, for finalize to print. */
async function noteSummary(
  ctx: StagingContext,
  done: {
    steps: [string, number][];
    python: Dependency;
    runtime: RuntimeResult;
    packages: AppPackagesResult;
    source: string;
    saved: TreeSummary | undefined;
  },
): Promise<void> {
  const { python, runtime, saved } = done;
  const sp = sitePackagesDir(join(ownDepsDir(ctx), "python"));
  await housekeeping(ctx.log, "note the staging summary", () =>
    noteSupplySummary(ctx.cacheDir, {
      steps: done.steps,
      runtime: `${runtime.reused ? "reused from the app cache" : "installed"} ` +
        `(python ${python.version})`,
      packages: done.packages.changes,
      source: done.source || undefined,
      installed: saved && {
        bytes: saved.bytes,
        distributions: sp ? installedDistributions(sp).length : 0,
      },
    }));
}

function appPackagesContext(ctx: StagingContext): AppPackagesContext {
  return {
    buildDir: ctx.buildDir,
    cacheDir: ctx.cacheDir,
    depsDir: ctx.depsDir,
    depsIdxDir: ownDepsDir(ctx),
    stack: ctx.stack,
    log: ctx.log,
  };
}

async function checkStack(ctx: StagingContext): Promise<Manifest> {
  const manifest = await loadManifest(ctx.root, { depsDir: ctx.depsDir });
  checkStackSupported(manifest, ctx.stack);
  return manifest;
}

/**
 * A cold app cache (no saved environment) means the runtime is extracted:
 * its extract child starts now, beside the manifest and the install plan.
 */
async function prestartExtraction(
  ctx: StagingContext,
  installer: DependencyInstaller,
): Promise<void> {
  if (await hasSavedEnvironment(ctx.cacheDir) || await usesConda(ctx.buildDir)) return;
  installer.prestartExtract();
}

/** `BP_CLEAN_INSTALL`: ignore the cached environment for this staging. */
function cleanInstall(log: Logger): boolean {
  const value = (Deno.env.get("BP_CLEAN_INSTALL") ?? "").trim();
  const clean = value !== "" && value !== "0" && value.toLowerCase() !== "false";
  if (clean) log.info("BP_CLEAN_INSTALL is set: the cached Python environment is not reused");
  return clean;
}

/** Say once which staging variables the buildpack's Python processes do not see. */
function warnIgnoredVariables(ctx: StagingContext): void {
  const message = ignoredVariablesMessage(ignoredVariables(Deno.env.toObject()));
  if (message) ctx.log.warning(message);
}

async function warnBuildpackUpgrade(ctx: StagingContext): Promise<void> {
  const previous = await previousBuildpackVersion(ctx.cacheDir);
  if (previous && previous !== ctx.buildpackVersion) {
    ctx.log.warning(`buildpack version changed from ${previous} to ${ctx.buildpackVersion}`);
  }
}

async function makeDepsDirs(ctx: StagingContext): Promise<void> {
  for (const sub of ["bin", "lib", "include", "pkgconfig"]) {
    await Deno.mkdir(join(ownDepsDir(ctx), sub), { recursive: true });
  }
}

async function choosePythonVersion(ctx: StagingContext, manifest: Manifest) {
  for (const warning of await versionFileWarnings(ctx.buildDir)) ctx.log.warning(warning);
  const requiresPython = await readRequiresPython(ctx.buildDir);
  const request = (await readVersionRequest(ctx.buildDir)) ?? requiresPython;
  const chosen = choosePython(manifest, ctx.stack, request, { requiresPython });
  ctx.log.info(
    request?.file
      ? `${request.file} asks for ${request.request}: using python ${chosen.version}`
      : "No runtime.txt, .python-version, Pipfile.lock or requires-python asks for a version: " +
        `using the default, python ${chosen.version}`,
  );
  const available = dependenciesFor(manifest, "python", ctx.stack).map((d) => d.version);
  const newer = newerPatchWarning("python", chosen.version, available);
  if (newer) ctx.log.warning(newer);
  const eol = deprecationWarning(manifest, {
    name: "python",
    version: chosen.version,
    now: new Date(),
  });
  if (eol) ctx.log.warning(eol);
  return chosen.dependency;
}

async function writeSbom(
  ctx: StagingContext,
  python: { version: string; sha256: string },
  bytecodeArchive: UsedBytecodeArchive | undefined,
) {
  await writeStagingSbom(ownDepsDir(ctx), {
    pythonVersion: python.version,
    runtimeSha256: python.sha256,
    ...(bytecodeArchive && { bytecodeArchive }),
    buildpackVersion: ctx.buildpackVersion,
  });
  ctx.log.info(
    `CycloneDX SBOM of the installed packages: deps/${ctx.depsIdx}/sbom.cdx.json`,
  );
}
