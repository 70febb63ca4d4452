/**
 * What pip is asked to install for an app, and the fingerprint that tells a
 * restage whether anything changed. Pure apart from reading the app's files.
 * @module
 */
import { createHash } from "node:crypto";
import { join, normalize } from "node:path";
import { requirementFiles, summarizeRequirements } from "./requirements.ts";
import { LockProblem, lockToRequirements } from "./pipfile_lock.ts";
import { isSdist, vendorListing, withoutIndexOptions } from "./vendor.ts";
import { pipfileLockUnusable, pipfileWithoutLock } from "../errors.ts";
import { pathExists } from "../path_exists.ts";

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
  /**
   * Requirements files pip reads instead of the app's (generated from
   * Pipfile.lock, or without index lines for vendor/), written to a scratch
   * dir outside the app; paths relative to it, the first one is installed.
   */
  rewritten?: { path: string; text: string }[];
  /** `vendor` when the app vendors its packages: install with no index from there. */
  vendor?: string;
  /** vendor/ holds source distributions: build backends come from the manifest first. */
  vendorSdists?: boolean;
  /** What the log should say about how the plan was made. */
  notes?: string[];
  /**
   * The Pipfile's text when the app has no Pipfile.lock and the manifest
   * can lock it: lock it, then install `withPipfileLock(plan, lock)`.
   */
  pipfileToLock?: string;
}

const NONE: InstallPlan = {
  kind: "none",
  targets: [],
  source: "",
  inputs: [],
  localPaths: [],
  hasRequirements: false,
};

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function requirementsPlan(buildDir: string): Promise<InstallPlan> {
  const files = await requirementFiles(buildDir, "requirements.txt");
  return {
    kind: "requirements",
    targets: ["-r", "requirements.txt"],
    source: "requirements.txt",
    inputs: files.map(({ path, text }) => ({ path, text })),
    localPaths: files.flatMap((f) => f.summary.localPaths),
    hasRequirements: files.some((f) => f.summary.requirements.length > 0),
    rewritten: files.map(({ path, text }) => ({ path: normalize(join("app", path)), text })),
  };
}

async function pipfileLockPlan(
  buildDir: string,
  env: Record<string, string | undefined>,
): Promise<InstallPlan> {
  const text = await Deno.readTextFile(join(buildDir, "Pipfile.lock"));
  return lockTextPlan(text, { env, file: "Pipfile.lock" });
}

function lockTextPlan(
  text: string,
  options: { env: Record<string, string | undefined>; file: string },
): InstallPlan {
  let generated;
  try {
    generated = lockToRequirements(text, options.env);
  } catch (e) {
    if (e instanceof LockProblem) throw pipfileLockUnusable(options.file, e.message);
    throw e;
  }
  const summary = summarizeRequirements(generated.text);
  const notes = ["Generating 'requirements.txt' from Pipfile.lock"];
  if (generated.unhashable.length) {
    notes.push(
      `Installing without hash checking: ${generated.unhashable.join(", ")} ` +
        "in Pipfile.lock cannot carry hashes (VCS or path requirements)",
    );
  }
  return {
    kind: "requirements",
    targets: ["-r", "requirements.txt"],
    source: "Pipfile.lock",
    inputs: [{ path: "Pipfile.lock", text }],
    localPaths: summary.localPaths,
    hasRequirements: generated.count > 0,
    rewritten: [{ path: "app/requirements.txt", text: generated.text }],
    notes,
  };
}

async function basePlan(
  buildDir: string,
  env: Record<string, string | undefined>,
  canLockPipfile: boolean,
): Promise<InstallPlan> {
  if (await pathExists(join(buildDir, "requirements.txt"))) return await requirementsPlan(buildDir);
  if (await pathExists(join(buildDir, "Pipfile.lock"))) return await pipfileLockPlan(buildDir, env);
  for (const file of ["setup.py", "pyproject.toml"]) {
    if (await pathExists(join(buildDir, file))) {
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
  if (await pathExists(join(buildDir, "Pipfile"))) {
    if (!canLockPipfile) throw pipfileWithoutLock();
    const text = await Deno.readTextFile(join(buildDir, "Pipfile"));
    return {
      kind: "requirements",
      targets: ["-r", "requirements.txt"],
      source: "Pipfile",
      inputs: [{ path: "Pipfile", text }],
      localPaths: [],
      hasRequirements: true,
      pipfileToLock: text,
    };
  }
  return NONE;
}

/**
 * Decide what to install from the files in the app dir: requirements.txt,
 * else Pipfile.lock (turned into requirements), else `.` for setup.py or
 * pyproject.toml. With `vendor/` the install uses no index: index lines are
 * dropped from copies of the requirements files (the app's are never
 * changed). `env` expands `${VAR}` in Pipfile.lock source URLs. A Pipfile
 * without lock is an error unless `canLockPipfile` (the manifest has
 * pipenv): then the plan carries `pipfileToLock`.
 * @throws BuildpackError for a Pipfile without lock or an unusable Pipfile.lock
 */
export async function planInstall(
  buildDir: string,
  options: { env?: Record<string, string | undefined>; canLockPipfile?: boolean } = {},
): Promise<InstallPlan> {
  const plan = await basePlan(buildDir, options.env ?? {}, options.canLockPipfile ?? false);
  const vendorDir = join(buildDir, "vendor");
  if (plan.kind === "none" || !(await isDirectory(vendorDir))) {
    // Only generated files need a scratch copy when nothing is vendored.
    return plan.source === "Pipfile.lock" ? plan : { ...plan, rewritten: undefined };
  }
  const listing = await vendorListing(vendorDir);
  return {
    ...plan,
    vendor: "vendor",
    vendorSdists: listing.some((f) => isSdist(f.name)),
    inputs: [
      ...plan.inputs,
      { path: "vendor/", text: listing.map((f) => `${f.name} ${f.size}`).join("\n") },
    ],
    rewritten: plan.rewritten?.map((f) => ({ path: f.path, text: withoutIndexOptions(f.text) })),
  };
}

/**
 * The plan for a Pipfile that was locked during staging: the generated lock
 * takes the Pipfile.lock path; the Pipfile and the lock are both inputs of
 * the fingerprint. Keeps the vendor settings of `plan`. Pure.
 * @throws BuildpackError when the generated lock is unusable
 */
export function withPipfileLock(
  plan: InstallPlan,
  lockText: string,
  env: Record<string, string | undefined>,
): InstallPlan {
  const locked = lockTextPlan(lockText, { env, file: "Pipfile.lock (written by pipenv lock)" });
  return {
    ...locked,
    source: "Pipfile",
    inputs: [...plan.inputs, ...locked.inputs],
    vendor: plan.vendor,
    vendorSdists: plan.vendorSdists,
    rewritten: plan.vendor
      ? locked.rewritten?.map((f) => ({ path: f.path, text: withoutIndexOptions(f.text) }))
      : locked.rewritten,
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
    rewritten: plan.rewritten ?? null,
    vendor: plan.vendor ?? null,
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
