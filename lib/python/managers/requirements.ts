/**
 * The pip way: `pip install -r requirements.txt`, as the official buildpack
 * does (nested `-r`/`-c` files followed for the fingerprint).
 * @module
 */
import { join, normalize } from "node:path";
import { requirementFiles } from "../requirements.ts";
import type { InstallPlan } from "../install_plan.ts";
import { type NamedRequirement, requirementName } from "../required_set.ts";

/** The plan for an app with requirements.txt. */
export async function requirementsPlan(buildDir: string): Promise<InstallPlan> {
  const files = await requirementFiles(buildDir, "requirements.txt");
  const lines = files.filter((f) => !f.constraint).flatMap((f) => f.summary.requirements);
  const named: NamedRequirement[] = [];
  let unnamed = false;
  for (const line of lines) {
    const name = requirementName(line);
    if (name) named.push(name);
    else unnamed = true;
  }
  return {
    manager: "requirements",
    source: "requirements.txt",
    inputs: files.map(({ path, text }) => ({ path, text })),
    localPaths: files.flatMap((f) => f.summary.localPaths),
    hasRequirements: files.some((f) => f.summary.requirements.length > 0),
    installs: [{ requirements: { path: "requirements.txt", scratch: false }, flags: [] }],
    roots: { named, unnamed },
    appRequirementCopies: files.map(({ path, text }) => ({
      path: normalize(join("app", path)),
      text,
    })),
  };
}
