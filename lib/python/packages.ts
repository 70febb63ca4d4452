/**
 * Installing the app's packages with pip, incrementally when the previous
 * environment was reused, and making the result relocatable.
 * @module
 */
import { join } from "../path.ts";
import { describeChanges, type InputDigests, type InstallPlan } from "./install_plan.ts";
import { installFresh, installIncremental, type PipContext, writeRewritten } from "./pip.ts";
import type { RuntimeResult } from "./runtime.ts";
import { relocateScripts, relocateSitePackages } from "./relocate.ts";
import { sitePackagesDir } from "./site_packages.ts";

/** What happened to the packages. */
export type PackagesAction = "unchanged" | "fresh" | "incremental" | "none";

/** Install the plan's packages; returns what was done. */
export async function installPackages(
  plan: InstallPlan,
  options: {
    pip: PipContext;
    runtime: RuntimeResult;
    fingerprint: string;
    inputs: InputDigests;
    /** Runs before pip installs anything (build backends for vendored sdists). */
    prepare?: () => Promise<void>;
  },
): Promise<PackagesAction> {
  const { pip, runtime } = options;
  const log = pip.log;
  const sitePackages = sitePackagesDir(pip.pythonDir);
  const header = `Running Pip Install (${plan.vendor ? "Vendored" : "Unvendored"})`;
  const beforePip = async () => {
    await writeRewritten(pip, plan);
    if (plan.vendor) log.info("Using the pip --no-build-isolation flag since it is available");
    await options.prepare?.();
  };
  log.step(header);
  for (const note of plan.notes ?? []) log.info(note);
  let action: PackagesAction;
  if (
    runtime.reused && runtime.previous?.fingerprint === options.fingerprint &&
    !plan.localPaths.length
  ) {
    log.info(
      `${plan.source || "Requirements"} unchanged since the previous staging: nothing to install`,
    );
    action = "unchanged";
  } else if (!plan.hasRequirements && !runtime.reused) {
    log.info(
      plan.manager === "none"
        ? "No requirements.txt, setup.py or pyproject.toml: no packages to install"
        : `${plan.source} lists no packages: nothing to install`,
    );
    action = "none";
  } else if (runtime.reused && sitePackages) {
    log.info(
      runtime.previous?.fingerprint === options.fingerprint
        ? `Reinstalling local paths (${plan.localPaths.join(", ")}); other packages are unchanged`
        : `${
          changeSummary(runtime, options.inputs) || `${plan.source || "Requirements"} changed`
        } since the previous staging: installing only what changed`,
    );
    await beforePip();
    await installIncremental(pip, plan, {
      sitePackages,
      runtimePackages: runtime.runtimePackages,
      onlyLocal: runtime.previous?.fingerprint === options.fingerprint,
    });
    action = "incremental";
  } else {
    await beforePip();
    await installFresh(pip, plan);
    action = "fresh";
  }
  await relocateScripts(join(pip.pythonDir, "bin"), pip.pythonDir);
  if (sitePackages) {
    await relocateSitePackages(sitePackages, {
      depsIdxDir: pip.depsIdxDir,
      buildDir: pip.buildDir,
    });
  }
  return action;
}

function changeSummary(runtime: RuntimeResult, inputs: InputDigests): string {
  return describeChanges(runtime.previous?.inputs, inputs).join(", ");
}
