/**
 * uv projects: `uv.lock` installs exactly what `uv sync --locked
 * --no-default-groups` would (no dev or other groups, no extras of the
 * project), through pip with every hash the lock lists (see
 * locked_plan.ts). A lock that no longer matches pyproject.toml is refused,
 * as `uv sync --locked` refuses it.
 * @module
 */
import type { InstallPlan } from "../install_plan.ts";
import { table } from "../pyproject.ts";
import { readUvLock } from "./uv_lock.ts";
import { type ProjectLockOptions, projectLockPlan } from "./project_lock.ts";

/** The plan for an app with uv.lock. */
export function uvPlan(buildDir: string, options: ProjectLockOptions): Promise<InstallPlan> {
  const name = table(options.pyproject.project)?.name;
  return projectLockPlan(buildDir, {
    ...options,
    manager: "uv",
    lockFile: "uv.lock",
    read: (text) =>
      readUvLock(text, { pyproject: options.pyproject, pythonFullVersion: options.pythonVersion }),
    projectName: typeof name === "string" ? name : undefined,
  });
}
