/**
 * Poetry projects: `poetry.lock` installs exactly what `poetry sync --only
 * main` would, through pip with every hash the lock lists (see
 * locked_plan.ts); the project itself too unless `package-mode = false`. A
 * lock whose content-hash no longer matches pyproject.toml is refused, as
 * Poetry refuses it.
 * @module
 */
import type { InstallPlan } from "../install_plan.ts";
import { table, type TomlTable } from "../pyproject.ts";
import { readAppText } from "../../app_files.ts";
import { readPoetryLock } from "./poetry_lock.ts";
import { lockedPlan } from "./locked_plan.ts";

/** The project's name: `[project] name` (Poetry 2), else `[tool.poetry] name`. */
function projectName(pyproject: TomlTable): string | undefined {
  const name = table(pyproject.project)?.name ?? table(table(pyproject.tool)?.poetry)?.name;
  return typeof name === "string" ? name : undefined;
}

/** The plan for an app with poetry.lock. */
export async function poetryPlan(
  buildDir: string,
  options: { pyproject: TomlTable; env: Record<string, string | undefined>; pythonVersion: string },
): Promise<InstallPlan> {
  const lockText = (await readAppText(buildDir, "poetry.lock", { optional: true })) ?? "";
  const pyprojectText = (await readAppText(buildDir, "pyproject.toml", { optional: true })) ?? "";
  const locked = readPoetryLock(lockText, {
    pyproject: options.pyproject,
    pythonFullVersion: options.pythonVersion,
  });
  return lockedPlan(locked, {
    manager: "poetry",
    inputs: [
      { path: "pyproject.toml", text: pyprojectText },
      { path: "poetry.lock", text: lockText },
    ],
    env: options.env,
    projectName: projectName(options.pyproject),
  });
}
