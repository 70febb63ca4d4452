/**
 * What pip is asked to install for an app, and the fingerprint that tells a
 * restage whether anything changed. Pure apart from reading the app's files.
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { requirementFiles } from "./requirements.ts";

/** The pip install for an app. */
export interface InstallPlan {
  /** `requirements` (-r requirements.txt), `project` (. for setup.py/pyproject.toml) or `none`. */
  kind: "requirements" | "project" | "none";
  /** Arguments naming what to install (`-r requirements.txt` or `.`). */
  targets: string[];
  /** Human description for the log (`requirements.txt`, `setup.py`). */
  source: string;
  /** Contents of every file that decides the result, for the fingerprint. */
  inputs: { path: string; text: string }[];
  /** Local-path requirements: pip must run even when nothing else changed. */
  localPaths: string[];
  /** Whether any requirement is listed at all. */
  hasRequirements: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Decide what to install from the files in the app dir. */
export async function planInstall(buildDir: string): Promise<InstallPlan> {
  if (await exists(join(buildDir, "requirements.txt"))) {
    const files = await requirementFiles(buildDir, "requirements.txt");
    return {
      kind: "requirements",
      targets: ["-r", "requirements.txt"],
      source: "requirements.txt",
      inputs: files.map(({ path, text }) => ({ path, text })),
      localPaths: files.flatMap((f) => f.summary.localPaths),
      hasRequirements: files.some((f) => f.summary.requirements.length > 0),
    };
  }
  for (const file of ["setup.py", "pyproject.toml"]) {
    if (await exists(join(buildDir, file))) {
      return {
        kind: "project",
        targets: ["."],
        source: file,
        inputs: [{ path: file, text: await Deno.readTextFile(join(buildDir, file)) }],
        localPaths: ["."],
        hasRequirements: true,
      };
    }
  }
  return {
    kind: "none",
    targets: [],
    source: "",
    inputs: [],
    localPaths: [],
    hasRequirements: false,
  };
}

/** Environment variables that change what pip installs. */
export function pipSettings(env: Record<string, string | undefined>): [string, string][] {
  return Object.entries(env)
    .filter(([k, v]) => v !== undefined && (k.startsWith("PIP_") || k === "BP_PIP_VERSION"))
    .map(([k, v]) => [k, v as string] as [string, string])
    .sort(([a], [b]) => a.localeCompare(b));
}

/** Digest of everything that decides the installed packages. */
export function fingerprint(
  plan: InstallPlan,
  context: { runtimeSha256: string; env: Record<string, string | undefined> },
): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({
    kind: plan.kind,
    targets: plan.targets,
    runtime: context.runtimeSha256,
    inputs: plan.inputs,
    settings: pipSettings(context.env),
  }));
  return h.digest("hex");
}
