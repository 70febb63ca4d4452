/**
 * `bin/supply BUILD_DIR CACHE_DIR DEPS_DIR DEPS_IDX`: install CPython and the
 * app's packages into `deps/<IDX>` and write what runtime needs.
 * @module
 */
import { join } from "node:path";
import type { Logger } from "../lib/log.ts";
import { ownDepsDir, type StagingContext, stagingContext } from "../lib/stage/context.ts";
import { checkStackSupported, loadManifest, type Manifest } from "../lib/manifest.ts";
import { stagingEnv } from "../lib/stage/staging_env.ts";
import { runHook } from "../lib/stage/hooks.ts";
import {
  choosePython,
  readVersionRequest,
  versionFileWarnings,
} from "../lib/python/version_sources.ts";
import { deprecationWarning, newerPatchWarning } from "../lib/deps/warnings.ts";
import { DependencyInstaller } from "../lib/deps/install.ts";
import { installRuntime, linkRuntime, type RuntimeResult } from "../lib/python/runtime.ts";
import {
  fingerprint,
  inputDigests,
  type InstallPlan,
  planInstall,
  withPipfileLock,
} from "../lib/python/install_plan.ts";
import { lockPipfile, pipenvDependency } from "../lib/python/pipenv_lock.ts";
import { type PipContext, pythonEnv } from "../lib/python/pip.ts";
import { pipChoice, preparePip } from "../lib/python/pip_version.ts";
import { installBuildBackends } from "../lib/python/build_backends.ts";
import { downloadNltkData } from "../lib/python/nltk.ts";
import { installPackages } from "../lib/python/packages.ts";
import { writeLaunchFiles } from "../lib/stage/launch_files.ts";
import { saveEnvironment } from "../lib/python/environment_cache.ts";
import { markStagingStart, seconds } from "../lib/stage/timer.ts";
import { previousBuildpackVersion } from "../lib/stage/metadata.ts";
import { dependenciesFor } from "../lib/manifest.ts";
import { supplyConda, usesConda } from "../lib/conda/supply.ts";
import { writeStagingSbom } from "../lib/sbom.ts";

/** The supply phase. */
export async function supply(args: string[], log: Logger): Promise<number> {
  const started = Date.now();
  const ctx = stagingContext("supply", args, log);
  await markStagingStart(ctx.cacheDir, started);
  log.step(`Python Buildpack version ${ctx.buildpackVersion}`);
  const manifest = await checkStack(ctx);
  await warnBuildpackUpgrade(ctx);
  const env = stagingEnv(ctx.depsDir, Deno.env.toObject());
  await runHook("pre_compile", { buildDir: ctx.buildDir, env, log });
  await makeDepsDirs(ctx);
  if (await usesConda(ctx.buildDir)) {
    const installer = new DependencyInstaller({ root: ctx.root, cacheDir: ctx.cacheDir, log });
    await supplyConda(ctx, { manifest, installer, env });
    return 0;
  }

  const python = await choosePythonVersion(ctx, manifest);
  pipChoice(Deno.env.get("BP_PIP_VERSION")); // a bad BP_PIP_VERSION fails before any download
  const plan = await planInstall(ctx.buildDir, {
    env: Deno.env.toObject(),
    canLockPipfile: pipenvDependency(manifest, ctx.stack) !== undefined,
  });
  const installer = new DependencyInstaller({ root: ctx.root, cacheDir: ctx.cacheDir, log });
  const depsIdxDir = ownDepsDir(ctx);
  const runtime = await installRuntime(python, {
    depsIdxDir,
    cacheDir: ctx.cacheDir,
    buildpackVersion: ctx.buildpackVersion,
    stack: ctx.stack,
    installer,
    log,
  });

  const { print, inputs, action, nltkData } = await installAppPackages(ctx, {
    plan,
    manifest,
    installer,
    runtime,
    runtimeSha256: python.sha256,
  });

  await linkRuntime(depsIdxDir);
  await writeLaunchFiles(depsIdxDir, {
    depsIdx: ctx.depsIdx,
    buildpackVersion: ctx.buildpackVersion,
    nltkData,
  });
  await saveEnvironment(ctx.cacheDir, join(depsIdxDir, "python"), {
    schema: 1,
    buildpackVersion: ctx.buildpackVersion,
    stack: ctx.stack,
    runtime: { version: python.version, sha256: python.sha256 },
    fingerprint: print,
    runtimePackages: runtime.runtimePackages,
    inputs,
  });
  await installer.pruneCache();
  await writeSbom(ctx, python);
  log.info(
    `Python ${python.version} ready: runtime ${runtime.reused ? "reused" : "installed"}, ` +
      `packages ${action} (supply took ${seconds(Date.now() - started)})`,
  );
  return 0;
}

/**
 * pip (BP_PIP_VERSION), the app's packages (build backends first for
 * vendored sdists) and NLTK corpora, with generated requirements files in a
 * scratch dir outside the app that is removed afterwards.
 */
async function installAppPackages(
  ctx: StagingContext,
  options: {
    plan: InstallPlan;
    manifest: Manifest;
    installer: DependencyInstaller;
    runtime: RuntimeResult;
    runtimeSha256: string;
  },
) {
  const { installer } = options;
  const hostEnv = Deno.env.toObject();
  const depsIdxDir = ownDepsDir(ctx);
  const scratchDir = await Deno.makeTempDir({ prefix: "python-buildpack-" });
  try {
    const pip: PipContext = {
      pythonDir: join(depsIdxDir, "python"),
      depsIdxDir,
      buildDir: ctx.buildDir,
      env: pythonEnv(stagingEnv(ctx.depsDir, hostEnv), { cacheDir: ctx.cacheDir, depsIdxDir }),
      log: ctx.log,
      scratchDir,
    };
    const deps = { manifest: options.manifest, stack: ctx.stack, installer, scratchDir };
    await preparePip(hostEnv.BP_PIP_VERSION, { ...deps, pip });
    const plan = await lockedPlan(options.plan, { ...deps, pip, env: hostEnv });
    const print = fingerprint(plan, { runtimeSha256: options.runtimeSha256, env: hostEnv });
    const inputs = inputDigests(plan, hostEnv);
    const action = await installPackages(plan, {
      pip,
      runtime: options.runtime,
      fingerprint: print,
      inputs,
      prepare: plan.vendorSdists ? () => installBuildBackends(pip, deps) : undefined,
    });
    const nltkData = await downloadNltkData({
      buildDir: ctx.buildDir,
      pythonDir: pip.pythonDir,
      env: pip.env,
      log: ctx.log,
    });
    return { print, inputs, action, nltkData };
  } finally {
    await Deno.remove(scratchDir, { recursive: true }).catch(() => {});
  }
}

/** The plan itself, or for a Pipfile without lock the plan of the lock pipenv writes. */
async function lockedPlan(
  plan: InstallPlan,
  options: {
    manifest: Manifest;
    stack: string;
    installer: DependencyInstaller;
    scratchDir: string;
    pip: PipContext;
    env: Record<string, string>;
  },
): Promise<InstallPlan> {
  if (plan.pipfileToLock === undefined) return plan;
  const lock = await lockPipfile(plan.pipfileToLock, {
    ...options,
    dependency: pipenvDependency(options.manifest, options.stack)!,
  });
  return withPipfileLock(plan, lock, options.env);
}

async function checkStack(ctx: StagingContext): Promise<Manifest> {
  const manifest = await loadManifest(ctx.root, { depsDir: ctx.depsDir });
  checkStackSupported(manifest, ctx.stack);
  return manifest;
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
  const request = await readVersionRequest(ctx.buildDir);
  const chosen = choosePython(manifest, ctx.stack, request);
  ctx.log.info(
    request?.file
      ? `${request.file} asks for ${request.request}: using python ${chosen.version}`
      : `No runtime.txt, .python-version or Pipfile.lock asks for a version: using the default, python ${chosen.version}`,
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

async function writeSbom(ctx: StagingContext, python: { version: string; sha256: string }) {
  await writeStagingSbom(ownDepsDir(ctx), {
    pythonVersion: python.version,
    runtimeSha256: python.sha256,
    buildpackVersion: ctx.buildpackVersion,
  });
  ctx.log.info(
    `CycloneDX SBOM of the installed packages: deps/${ctx.depsIdx}/sbom.cdx.json`,
  );
}
