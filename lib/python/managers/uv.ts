/**
 * uv projects: `uv.lock` installs exactly what `uv sync --locked
 * --no-default-groups` would, through pip (see locked_plan.ts).
 * @module
 */
import type { InstallPlan } from "../install_plan.ts";
import type { TomlTable } from "../pyproject.ts";

/** The plan for an app with uv.lock. */
export function uvPlan(
  _buildDir: string,
  _options: {
    pyproject: TomlTable;
    env: Record<string, string | undefined>;
    pythonVersion: string;
  },
): Promise<InstallPlan> {
  throw new Error("uv.lock: not wired yet");
}
