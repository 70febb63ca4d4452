/**
 * uv projects: `uv.lock` installs exactly what `uv sync --locked
 * --no-default-groups` would (no dev or other groups, no extras of the
 * project), through pip with every hash the lock lists (see
 * locked_plan.ts). A lock that no longer matches pyproject.toml is refused,
 * as `uv sync --locked` refuses it.
 * @module
 */
import type { InstallPlan } from "../install_plan.ts";
import { table, type TomlTable } from "../pyproject.ts";
import { readAppText } from "../../app_files.ts";
import { readUvLock } from "./uv_lock.ts";
import { lockedPlan } from "./locked_plan.ts";

/** The plan for an app with uv.lock. */
export async function uvPlan(
  buildDir: string,
  options: { pyproject: TomlTable; env: Record<string, string | undefined>; pythonVersion: string },
): Promise<InstallPlan> {
  const lockText = (await readAppText(buildDir, "uv.lock", { optional: true })) ?? "";
  const pyprojectText = (await readAppText(buildDir, "pyproject.toml", { optional: true })) ?? "";
  const locked = readUvLock(lockText, {
    pyproject: options.pyproject,
    pythonFullVersion: options.pythonVersion,
  });
  const name = table(options.pyproject.project)?.name;
  return lockedPlan(locked, {
    manager: "uv",
    inputs: [
      { path: "pyproject.toml", text: pyprojectText },
      { path: "uv.lock", text: lockText },
    ],
    env: options.env,
    projectName: typeof name === "string" ? name : undefined,
  });
}
