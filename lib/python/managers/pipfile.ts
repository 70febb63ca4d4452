/**
 * Pipenv apps: `Pipfile.lock` installs exactly its locked `default`
 * packages for the staging Python (markers evaluated, hash-checked, see
 * locked_plan.ts); a lock whose `_meta.hash` no longer matches the Pipfile
 * gets a warning (the official buildpack installs it silently, so failing
 * would break apps that deploy there today). A `Pipfile` without lock is
 * locked during staging when the manifest has pipenv (see
 * lib/python/pipenv_lock.ts), else it is an error.
 * @module
 */
import { pipfileLockStale, pipfileWithoutLock } from "../../errors.ts";
import type { InstallPlan } from "../install_plan.ts";
import { readAppText } from "../../app_files.ts";
import { parseToml } from "../pyproject.ts";
import { withoutIndexOptions } from "../vendor.ts";
import { readPipfileLock } from "./pipfile_lock.ts";
import { pipfileHash } from "./pipfile_hash.ts";
import { lockedPlan } from "./locked_plan.ts";

/** CF's grep-able line for a Pipfile.lock install. */
const GENERATING = "Generating 'requirements.txt' from Pipfile.lock";

/** The plan for an app with Pipfile.lock. */
export async function pipfileLockPlan(
  buildDir: string,
  options: { env: Record<string, string | undefined>; pythonVersion: string },
): Promise<InstallPlan> {
  const text = (await readAppText(buildDir, "Pipfile.lock", { optional: true })) ?? "";
  const pipfile = await readAppText(buildDir, "Pipfile", { optional: true });
  const plan = lockTextPlan(text, { ...options, file: "Pipfile.lock" });
  const stale = pipfile === undefined ? undefined : staleLockWarning(pipfile, text);
  return stale ? { ...plan, warnings: [...(plan.warnings ?? []), stale] } : plan;
}

/**
 * The warning for a Pipfile.lock whose `_meta.hash.sha256` differs from the
 * hash of the Pipfile next to it, else undefined (also when either cannot be
 * read: the lock reader reports a broken lock itself). Pure.
 */
export function staleLockWarning(pipfileText: string, lockText: string): string | undefined {
  let recorded: unknown;
  let actual: string;
  try {
    recorded = JSON.parse(lockText.replace(/^\uFEFF/, ""))?._meta?.hash?.sha256;
    actual = pipfileHash(parseToml(pipfileText, "Pipfile"));
  } catch {
    return undefined;
  }
  if (typeof recorded !== "string" || recorded === actual) return undefined;
  return pipfileLockStale(recorded, actual);
}

/** The plan for a Pipfile without lock: to be locked (`pipfileToLock`), or an error. */
export async function pipfilePlan(
  buildDir: string,
  options: { canLock: boolean },
): Promise<InstallPlan> {
  if (!options.canLock) throw pipfileWithoutLock();
  const text = (await readAppText(buildDir, "Pipfile", { optional: true })) ?? "";
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
  options: { env: Record<string, string | undefined>; pythonVersion: string; file: string },
): InstallPlan {
  const locked = readPipfileLock(text, {
    env: options.env,
    pythonFullVersion: options.pythonVersion,
    file: options.file,
  });
  const plan = lockedPlan({ ...locked, lockFile: options.file }, {
    manager: "pipfile",
    inputs: [{ path: "Pipfile.lock", text }],
    env: options.env,
  });
  return { ...plan, notes: [GENERATING, ...(plan.notes ?? [])] };
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
  options: { env: Record<string, string | undefined>; pythonVersion: string },
): InstallPlan {
  const locked = lockTextPlan(lockText, {
    ...options,
    file: "Pipfile.lock (written by pipenv lock)",
  });
  return {
    ...locked,
    source: "Pipfile",
    inputs: [...plan.inputs, ...locked.inputs],
    vendor: plan.vendor,
    vendorSdists: plan.vendorSdists,
    files: plan.vendor
      ? locked.files?.map((f) => ({ path: f.path, text: withoutIndexOptions(f.text) }))
      : locked.files,
  };
}
