/**
 * Pipenv apps: `Pipfile.lock` installs exactly its locked `default`
 * packages; a `Pipfile` without lock is locked during staging when the
 * manifest has pipenv (see lib/python/pipenv_lock.ts), else it is an error.
 * @module
 */
import { summarizeRequirements } from "../requirements.ts";
import { LockProblem, lockToRequirements } from "../pipfile_lock.ts";
import { pipfileLockUnusable, pipfileWithoutLock } from "../../errors.ts";
import type { InstallPlan } from "../install_plan.ts";
import { readAppText } from "../app_text.ts";
import { withoutIndexOptions } from "../vendor.ts";

/** The plan for an app with Pipfile.lock. */
export async function pipfileLockPlan(
  buildDir: string,
  options: { env: Record<string, string | undefined>; pythonVersion: string },
): Promise<InstallPlan> {
  const text = (await readAppText(buildDir, "Pipfile.lock")) ?? "";
  return lockTextPlan(text, { env: options.env, file: "Pipfile.lock" });
}

/** The plan for a Pipfile without lock: to be locked (`pipfileToLock`), or an error. */
export async function pipfilePlan(
  buildDir: string,
  options: { canLock: boolean },
): Promise<InstallPlan> {
  if (!options.canLock) throw pipfileWithoutLock();
  const text = (await readAppText(buildDir, "Pipfile")) ?? "";
  return {
    manager: "pipfile",
    source: "Pipfile",
    inputs: [{ path: "Pipfile", text }],
    localPaths: [],
    hasRequirements: true,
    installs: [],
    pipfileToLock: text,
  };
}

function lockTextPlan(
  text: string,
  options: { env: Record<string, string | undefined>; file: string },
): InstallPlan {
  let generated;
  try {
    generated = lockToRequirements(text, options.env);
  } catch (e) {
    if (e instanceof LockProblem) throw pipfileLockUnusable(options.file, e.message);
    throw e;
  }
  const summary = summarizeRequirements(generated.text);
  const notes = ["Generating 'requirements.txt' from Pipfile.lock"];
  if (generated.unhashable.length) {
    notes.push(
      `Installing without hash checking: ${generated.unhashable.join(", ")} ` +
        "in Pipfile.lock cannot carry hashes (VCS or path requirements)",
    );
  }
  return {
    manager: "pipfile",
    source: "Pipfile.lock",
    inputs: [{ path: "Pipfile.lock", text }],
    localPaths: summary.localPaths,
    hasRequirements: generated.count > 0,
    installs: [{ requirements: { path: "app/requirements.txt", scratch: true }, flags: [] }],
    files: [{ path: "app/requirements.txt", text: generated.text }],
    notes,
  };
}

/**
 * The plan for a Pipfile that was locked during staging: the generated lock
 * takes the Pipfile.lock path; the Pipfile and the lock are both inputs of
 * the fingerprint. Keeps the vendor settings of `plan`. Pure.
 * @throws BuildpackError when the generated lock is unusable
 */
export function withPipfileLock(
  plan: InstallPlan,
  lockText: string,
  env: Record<string, string | undefined>,
): InstallPlan {
  const locked = lockTextPlan(lockText, { env, file: "Pipfile.lock (written by pipenv lock)" });
  return {
    ...locked,
    source: "Pipfile",
    inputs: [...plan.inputs, ...locked.inputs],
    vendor: plan.vendor,
    vendorSdists: plan.vendorSdists,
    files: plan.vendor ? vendoredFiles(locked.files) : locked.files,
  };
}

function vendoredFiles(files: InstallPlan["files"]): InstallPlan["files"] {
  return files?.map((f) => ({ path: f.path, text: withoutIndexOptions(f.text) }));
}
