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
import { readPoetryLock } from "./poetry_lock.ts";
import { type ProjectLockOptions, projectLockPlan } from "./project_lock.ts";

/** The project's name: `[project] name` (Poetry 2), else `[tool.poetry] name`. */
function projectName(pyproject: TomlTable): string | undefined {
  const name = table(pyproject.project)?.name ?? table(table(pyproject.tool)?.poetry)?.name;
  return typeof name === "string" ? name : undefined;
}

/** The plan for an app with poetry.lock. */
export function poetryPlan(buildDir: string, options: ProjectLockOptions): Promise<InstallPlan> {
  return projectLockPlan(buildDir, {
    ...options,
    manager: "poetry",
    lockFile: "poetry.lock",
    read: (text) =>
      readPoetryLock(text, {
        pyproject: options.pyproject,
        pythonFullVersion: options.pythonVersion,
      }),
    projectName: projectName(options.pyproject),
  });
}
