/**
 * What uv and Poetry projects share: `pyproject.toml` plus a lock file, both
 * read from the app and both inputs of the restage fingerprint, the lock
 * read by the tool's reader and turned into pip runs (locked_plan.ts).
 * @module
 */
import type { InstallPlan } from "../install_plan.ts";
import type { TomlTable } from "../pyproject.ts";
import { readAppText } from "../../app_files.ts";
import type { LockedInstall } from "./locked.ts";
import { lockedPlan } from "./locked_plan.ts";

/** What a uv or Poetry manager needs from the plan. */
export interface ProjectLockOptions {
  /** pyproject.toml, parsed. */
  pyproject: TomlTable;
  /** The staging environment (index credentials). */
  env: Record<string, string | undefined>;
  /** The full version of the staged Python, for markers. */
  pythonVersion: string;
}

/** The plan for a project whose `lockFile` `read` turns into what to install. */
export async function projectLockPlan(
  buildDir: string,
  options: ProjectLockOptions & {
    manager: "uv" | "poetry";
    lockFile: string;
    read: (lockText: string) => LockedInstall;
    projectName: string | undefined;
  },
): Promise<InstallPlan> {
  const lockText = (await readAppText(buildDir, options.lockFile, { optional: true })) ?? "";
  const pyprojectText = (await readAppText(buildDir, "pyproject.toml", { optional: true })) ?? "";
  return lockedPlan(options.read(lockText), {
    manager: options.manager,
    inputs: [
      { path: "pyproject.toml", text: pyprojectText },
      { path: options.lockFile, text: lockText },
    ],
    env: options.env,
    projectName: options.projectName,
  });
}
