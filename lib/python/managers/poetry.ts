/**
 * Poetry projects: `poetry.lock` installs exactly what `poetry sync --only
 * main` would, through pip (see locked_plan.ts).
 * @module
 */
import type { InstallPlan } from "../install_plan.ts";
import type { TomlTable } from "../pyproject.ts";

/** The plan for an app with poetry.lock. */
export function poetryPlan(
  _buildDir: string,
  _options: {
    pyproject: TomlTable;
    env: Record<string, string | undefined>;
    pythonVersion: string;
  },
): Promise<InstallPlan> {
  throw new Error("poetry.lock: not wired yet");
}
