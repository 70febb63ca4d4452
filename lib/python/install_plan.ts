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

/** Per-input digests kept with a cached environment, to say what changed. */
export interface InputDigests {
  /** sha256 of each input file's text, by path. */
  files: Record<string, string>;
  /** sha256 of each pip setting's value, by variable name (values never stored). */
  settings: Record<string, string>;
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/** Digests of the plan's inputs and pip settings. */
export function inputDigests(
  plan: InstallPlan,
  env: Record<string, string | undefined>,
): InputDigests {
  return {
    files: Object.fromEntries(plan.inputs.map((i) => [i.path, sha256(i.text)])),
    settings: Object.fromEntries(pipSettings(env).map(([k, v]) => [k, sha256(v)])),
  };
}

/** Which inputs differ, in words (`requirements.txt changed`, `PIP_INDEX_URL set`). Pure. */
export function describeChanges(before: InputDigests | undefined, after: InputDigests): string[] {
  if (!before) return [];
  const out: string[] = [];
  const compare = (a: Record<string, string>, b: Record<string, string>, kind: string) => {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      if (!(k in a)) out.push(`${k} ${kind === "file" ? "added" : "set"}`);
      else if (!(k in b)) out.push(`${k} ${kind === "file" ? "removed" : "unset"}`);
      else if (a[k] !== b[k]) out.push(`${k} changed`);
    }
  };
  compare(before.files, after.files, "file");
  compare(before.settings, after.settings, "setting");
  return out;
}
