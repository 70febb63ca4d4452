/**
 * The pip way: `pip install -r requirements.txt`, as the official buildpack
 * does (nested `-r`/`-c` files followed for the fingerprint).
 * @module
 */
import { join, normalize } from "../../path.ts";
import { requirementFiles } from "../requirements.ts";
import type { InstallPlan } from "../install_plan.ts";

/** The plan for an app with requirements.txt. */
export async function requirementsPlan(buildDir: string): Promise<InstallPlan> {
  const files = await requirementFiles(buildDir, "requirements.txt");
  return {
    manager: "requirements",
    source: "requirements.txt",
    inputs: files.map(({ path, text }) => ({ path, text })),
    localPaths: files.flatMap((f) => f.summary.localPaths),
    hasRequirements: files.some((f) => f.summary.requirements.length > 0),
    installs: [{ requirements: { path: "requirements.txt", scratch: false }, flags: [] }],
    roots: files.filter((f) => !f.constraint).flatMap((f) => f.summary.requirements),
    appRequirementCopies: files.map(({ path, text }) => ({
      path: normalize(join("app", path)),
      text,
    })),
  };
}
