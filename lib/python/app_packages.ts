/**
 * The app's packages, end to end: which package manager decides (logged),
 * the plan, pip (BP_PIP_VERSION), a Pipfile locked during staging, build
 * backends for vendored sdists, the install itself (skipped, incremental or
 * fresh), NLTK corpora, and the record that lets the next staging reuse the
 * environment. Generated requirements files live in a scratch dir outside
 * the app that is removed afterwards.
 * @module
 */
import { join } from "../path.ts";
import type { Manifest } from "../manifest.ts";
import type { DependencyInstaller } from "../deps/install.ts";
import type { Logger } from "../log.ts";
import { stagingEnv } from "../stage/staging_env.ts";
import {
  fingerprint,
  type InputDigests,
  inputDigests,
  type InstallPlan,
  planInstall,
} from "./install_plan.ts";
import { lockPipfile, pipenvDependency } from "./pipenv_lock.ts";
import { type PipContext, pythonEnv } from "./pip.ts";
import { preparePip } from "./pip_version.ts";
import { installBuildBackends } from "./build_backends.ts";
import { downloadNltkData } from "./nltk.ts";
import { installPackages, type PackagesAction } from "./packages.ts";
import type { RuntimeResult } from "./runtime.ts";
import { describePackageChanges, installedVersions, sitePackagesDir } from "./site_packages.ts";

/** Where the app's packages are staged. */
export interface AppPackagesContext {
  /** The app. */
  buildDir: string;
  /** This buildpack's app cache. */
  cacheDir: string;
  /** All deps dirs (for the staging env of earlier buildpacks). */
  depsDir: string;
  /** `deps/<IDX>`. */
  depsIdxDir: string;
  /** `CF_STACK`. */
  stack: string;
  /** The log. */
  log: Logger;
}

const MANAGER_LABELS: Record<InstallPlan["manager"], string> = {
  requirements: "pip installs what it lists",
  uv: "a uv project: its locked versions, hash-checked, installed with pip",
  poetry: "a Poetry project: its locked main group, hash-checked, installed with pip",
  pipfile: "Pipenv: the locked default packages, hash-checked, installed with pip",
  project: "pip installs the app itself",
  none: "nothing to install",
};

/**
 * Decide how the app's packages are installed and log which file decided.
 * Runs before the runtime is installed, so a bad lock fails fast.
 * @throws BuildpackError for app files that cannot decide or cannot be used
 */
export async function planAppPackages(
  ctx: AppPackagesContext,
  options: { manifest: Manifest; pythonVersion: string; env: Record<string, string> },
): Promise<InstallPlan> {
  const plan = await planInstall(ctx.buildDir, {
    env: options.env,
    canLockPipfile: pipenvDependency(options.manifest, ctx.stack) !== undefined,
    pythonVersion: options.pythonVersion,
  });
  for (const warning of plan.warnings ?? []) ctx.log.warning(warning);
  if (plan.source) {
    ctx.log.info(`Packages: ${plan.source} decides (${MANAGER_LABELS[plan.manager]})`);
  }
  return plan;
}

/** What installing the app's packages did, for the cache record and the summary. */
export interface AppPackagesResult {
  /** Digest of everything that decided the packages. */
  fingerprint: string;
  /** Per-input digests, to say what changed next time. */
  inputs: InputDigests;
  /** What happened to the packages. */
  action: PackagesAction;
  /** The same in numbers, for the summary (`incremental: 1 added, 0 removed, ...`). */
  changes: string;
  /** NLTK corpora were downloaded (NLTK_DATA is set at runtime). */
  nltkData: boolean;
}

/**
 * The environment pip gets: the staging's (earlier buildpacks' env/ files
 * included, hostile variables not) with the runtime's paths. Read once the
 * runtime is in place (its include dirs go into CPATH).
 */
export function pipEnvironment(
  ctx: AppPackagesContext,
  hostEnv: Record<string, string> = Deno.env.toObject(),
): Record<string, string> {
  return pythonEnv(stagingEnv(ctx.depsDir, hostEnv), {
    cacheDir: ctx.cacheDir,
    depsIdxDir: ctx.depsIdxDir,
  });
}

/**
 * pip (BP_PIP_VERSION), the app's packages (build backends first for
 * vendored sdists) and NLTK corpora.
 */
export async function installAppPackages(
  ctx: AppPackagesContext,
  options: {
    plan: InstallPlan;
    manifest: Manifest;
    installer: DependencyInstaller;
    runtime: RuntimeResult;
    runtimeSha256: string;
    /** The full version of the staged Python (`3.11.7`), for a lock pipenv writes. */
    pythonVersion: string;
  },
): Promise<AppPackagesResult> {
  const { installer } = options;
  const hostEnv = Deno.env.toObject();
  const scratchDir = await Deno.makeTempDir({ prefix: "python-buildpack-" });
  try {
    const pip: PipContext = {
      pythonDir: join(ctx.depsIdxDir, "python"),
      depsIdxDir: ctx.depsIdxDir,
      buildDir: ctx.buildDir,
      env: pipEnvironment(ctx, hostEnv),
      log: ctx.log,
      scratchDir,
      pythonVersion: options.pythonVersion,
    };
    const deps = { manifest: options.manifest, stack: ctx.stack, installer, scratchDir };
    const { bytecode } = options.runtime;
    await preparePip(hostEnv.BP_PIP_VERSION, { ...deps, pip });
    const plan = await lockedPipfile(options.plan, {
      ...deps,
      pip,
      env: hostEnv,
      pythonVersion: options.pythonVersion,
    });
    // What pip sees (earlier buildpacks' env/ files included, hostile variables not).
    const print = await fingerprint(plan, {
      runtimeSha256: options.runtimeSha256,
      env: pip.env,
    });
    const inputs = await inputDigests(plan, pip.env);
    const before = installedVersions(sitePackagesDir(pip.pythonDir));
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
    if (bytecode) {
      const { compiled, ms } = await bytecode.finished;
      ctx.log.debug(
        `Compiled ${compiled} of ${bytecode.files} modules beside pip in ${Math.round(ms)} ms`,
      );
    }
    const after = installedVersions(sitePackagesDir(pip.pythonDir));
    const changes = describePackageChanges(action, before, after);
    return { fingerprint: print, inputs, action, changes, nltkData };
  } finally {
    await Deno.remove(scratchDir, { recursive: true }).catch(() => {});
  }
}

/** The plan itself, or for a Pipfile without lock the plan of the lock pipenv writes. */
async function lockedPipfile(
  plan: InstallPlan,
  options: {
    manifest: Manifest;
    stack: string;
    installer: DependencyInstaller;
    scratchDir: string;
    pip: PipContext;
    env: Record<string, string>;
    pythonVersion: string;
  },
): Promise<InstallPlan> {
  if (plan.pipfileToLock === undefined) return plan;
  const lock = await lockPipfile(plan.pipfileToLock, {
    ...options,
    dependency: pipenvDependency(options.manifest, options.stack)!,
  });
  const { withPipfileLock } = await import("./managers/pipfile.ts");
  return withPipfileLock(plan, lock, { env: options.env, pythonVersion: options.pythonVersion });
}
