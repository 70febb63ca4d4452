/**
 * An app that is itself a Python project (setup.py or pyproject.toml with
 * `[project]`/`[build-system]`) and no lock: `pip install .`.
 * @module
 */
import type { InstallPlan } from "../install_plan.ts";
import { readAppText } from "../../app_files.ts";

/** The plan installing the app dir as a project; `file` is the file that decided. */
export async function projectPlan(buildDir: string, file: string): Promise<InstallPlan> {
  return {
    manager: "project",
    source: file,
    inputs: [{ path: file, text: (await readAppText(buildDir, file, { optional: true })) ?? "" }],
    localPaths: ["."],
    hasRequirements: true,
    installs: [{ targets: ["."], flags: [] }],
    roots: ["."],
  };
}
