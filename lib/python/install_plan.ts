/**
 * What pip is asked to install for an app, and the fingerprint that tells a
 * restage whether anything changed. {@link planInstall} reads the app's
 * files, lets {@link chooseManager} pick the package manager and asks that
 * manager's module (lib/python/managers/) for the plan; everything else here
 * is pure.
 * @module
 */
import { join } from "../path.ts";
import { sha256Hex } from "../digest.ts";
import { isSdist, vendorListing, withoutIndexOptions } from "./vendor.ts";
import { chooseManager, MANAGER_FILES, type ManagerName } from "./managers/choose.ts";
import type { TomlTable } from "./pyproject.ts";
import { requirementsPlan } from "./managers/requirements.ts";
import { projectPlan } from "./managers/project.ts";
import { fileKind, readAppText } from "../app_files.ts";
import { appFileNotRegular } from "../errors.ts";
import { byCodeUnit } from "../compare.ts";

/** One `pip install` run of a plan. */
export interface PipInstall {
  /** A requirements file pip reads with `-r`: a scratch file (see `files`) or the app's own. */
  requirements?: { path: string; scratch: boolean };
  /** Or the targets themselves (`.`, `-e .`), relative to the app dir. */
  targets?: string[];
  /** Extra pip options for this run (`--no-deps`, `--require-hashes`). */
  flags: string[];
  /**
   * It installs local paths (always reinstalled); when nothing else changed
   * a restage runs only such runs, if the plan marks any.
   */
  local?: boolean;
}

/** The pip install for an app. */
export interface InstallPlan {
  /** The package manager that made the plan. */
  manager: ManagerName;
  /** The file that decided (`requirements.txt`, `uv.lock`, `setup.py`); empty for none. */
  source: string;
  /** Contents of every file that decides the result, for the fingerprint. */
  inputs: { path: string; text: string }[];
  /** Local-path requirements: pip must run even when nothing else changed. */
  localPaths: string[];
  /** Whether any requirement is listed at all. */
  hasRequirements: boolean;
  /** The pip runs, in order. */
  installs: PipInstall[];
  /**
   * Requirements files pip reads instead of the app's (generated from a lock,
   * or without index lines for vendor/), written to a scratch dir outside the
   * app; paths relative to it.
   */
  files?: { path: string; text: string }[];
  /**
   * The top-level requirement lines of a plan without a lock (constraint
   * files left out), to tell after an install what is still required.
   */
  roots?: string[];
  /**
   * Lock files name every distribution to install: a restage removes any
   * other (except what the runtime shipped). Without it the set is resolved.
   */
  lockedNames?: string[];
  /**
   * Copies of the app's own requirements files under `app/` (nested `-r`
   * keep working), used instead of them when the app is vendored.
   */
  appRequirementCopies?: { path: string; text: string }[];
  /** `vendor` when the app vendors its packages: install with no index from there. */
  vendor?: string;
  /** vendor/ holds source distributions: build backends come from the manifest first. */
  vendorSdists?: boolean;
  /** What the log should say about how the plan was made. */
  notes?: string[];
  /** Warnings for the log (files present but ignored, a stale lock pip can still install). */
  warnings?: string[];
  /**
   * The Pipfile's text when the app has no Pipfile.lock and the manifest
   * can lock it: lock it, then install `withPipfileLock(plan, lock)`.
   */
  pipfileToLock?: string;
}

/** Options of {@link planInstall}. */
export interface PlanOptions {
  /** The staging environment (`${VAR}` in lock sources, index credentials). */
  env?: Record<string, string | undefined>;
  /** The manifest has pipenv: a Pipfile without lock can be locked during staging. */
  canLockPipfile?: boolean;
  /** The full version of the Python being staged, for lock markers (`3.11.7`). */
  pythonVersion?: string;
}

/** The app's pyproject.toml, parsed, when it has one. */
export async function readPyproject(buildDir: string): Promise<TomlTable | undefined> {
  const text = await readAppText(buildDir, "pyproject.toml", { optional: true });
  if (text === undefined) return undefined;
  const { parseToml } = await import("./pyproject.ts");
  return parseToml(text, "pyproject.toml");
}

/** Which of {@link MANAGER_FILES} the app has; one that is not a regular file is an error. */
async function presentFiles(buildDir: string): Promise<Set<string>> {
  const present = new Set<string>();
  for (const name of MANAGER_FILES) {
    const st = await Deno.stat(join(buildDir, name)).catch(() => undefined);
    if (!st) continue;
    const kind = fileKind(st);
    if (kind !== undefined) throw appFileNotRegular(name, kind);
    present.add(name);
  }
  return present;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

/**
 * Decide what to install from the files in the app dir (see
 * {@link chooseManager}) and ask that manager for the plan. With `vendor/`
 * the install uses no index: index lines are dropped from copies of the
 * requirements files (the app's are never changed).
 * @throws BuildpackError for an app whose files cannot decide or cannot be used
 */
export async function planInstall(
  buildDir: string,
  options: PlanOptions = {},
): Promise<InstallPlan> {
  const env = options.env ?? {};
  const present = await presentFiles(buildDir);
  const pyproject = present.has("pyproject.toml") ? await readPyproject(buildDir) : undefined;
  // The TOML and lock-file code loads only for apps that need it (memory, start-up).
  const tables = pyproject && (await import("./pyproject.ts")).pyprojectTables(pyproject);
  const choice = chooseManager({ present, pyproject: tables });
  const pythonVersion = () => {
    if (!options.pythonVersion) throw new Error("planInstall: a lock file needs pythonVersion");
    return options.pythonVersion;
  };
  let plan: InstallPlan;
  switch (choice.manager) {
    case "requirements":
      plan = await requirementsPlan(buildDir);
      break;
    case "uv":
      plan = await (await import("./managers/uv.ts")).uvPlan(buildDir, {
        pyproject: pyproject!,
        env,
        pythonVersion: pythonVersion(),
      });
      break;
    case "poetry":
      plan = await (await import("./managers/poetry.ts")).poetryPlan(buildDir, {
        pyproject: pyproject!,
        env,
        pythonVersion: pythonVersion(),
      });
      break;
    case "pipfile": {
      const pipfile = await import("./managers/pipfile.ts");
      plan = choice.decidedBy === "Pipfile.lock"
        ? await pipfile.pipfileLockPlan(buildDir, { env, pythonVersion: pythonVersion() })
        : await pipfile.pipfilePlan(buildDir, { canLock: options.canLockPipfile ?? false });
      break;
    }
    case "project":
      plan = await projectPlan(buildDir, choice.decidedBy);
      break;
    case "none":
      plan = { ...NONE };
  }
  plan = { ...plan, warnings: [...choice.warnings, ...(plan.warnings ?? [])] };
  return await withVendor(buildDir, plan);
}

const NONE: InstallPlan = {
  manager: "none",
  source: "",
  inputs: [],
  localPaths: [],
  hasRequirements: false,
  installs: [],
};

/** `plan` for an app with `vendor/`: no index lines, the listing in the fingerprint. */
async function withVendor(buildDir: string, plan: InstallPlan): Promise<InstallPlan> {
  const vendorDir = join(buildDir, "vendor");
  if (plan.manager === "none" || !(await isDirectory(vendorDir))) return plan;
  const listing = await vendorListing(vendorDir);
  return {
    ...vendored(plan),
    vendorSdists: listing.some((f) => isSdist(f.name)),
    inputs: [
      ...plan.inputs,
      { path: "vendor/", text: listing.map((f) => `${f.name} ${f.size}`).join("\n") },
    ],
  };
}

/**
 * The plan installing from `vendor/` only: every requirements file pip reads
 * becomes a scratch copy without index options. Pure.
 */
export function vendored(plan: InstallPlan): InstallPlan {
  const copies = new Map((plan.files ?? []).map((f) => [f.path, f.text]));
  for (const f of plan.appRequirementCopies ?? []) {
    if (!copies.has(f.path)) copies.set(f.path, f.text);
  }
  return {
    ...plan,
    vendor: "vendor",
    files: [...copies].map(([path, text]) => ({ path, text: withoutIndexOptions(text) })),
    installs: plan.installs.map((i) =>
      i.requirements && !i.requirements.scratch
        ? { ...i, requirements: { path: join("app", i.requirements.path), scratch: true } }
        : i
    ),
  };
}

/** Environment variables that change what pip installs. */
export function pipSettings(env: Record<string, string | undefined>): [string, string][] {
  return Object.entries(env)
    .filter(([k, v]) => v !== undefined && (k.startsWith("PIP_") || k === "BP_PIP_VERSION"))
    .map(([k, v]) => [k, v as string] as [string, string])
    .sort(([a], [b]) => byCodeUnit(a, b));
}

/** Digest of everything that decides the installed packages. */
export function fingerprint(
  plan: InstallPlan,
  context: { runtimeSha256: string; env: Record<string, string | undefined> },
): Promise<string> {
  return sha256Hex(JSON.stringify({
    manager: plan.manager,
    installs: plan.installs,
    runtime: context.runtimeSha256,
    inputs: plan.inputs,
    files: plan.files ?? null,
    vendor: plan.vendor ?? null,
    settings: pipSettings(context.env),
  }));
}

/** Per-input digests kept with a cached environment, to say what changed. */
export interface InputDigests {
  /** sha256 of each input file's text, by path. */
  files: Record<string, string>;
  /** sha256 of each pip setting's value, by variable name (values never stored). */
  settings: Record<string, string>;
}

async function digests(pairs: [string, string][]): Promise<Record<string, string>> {
  return Object.fromEntries(
    await Promise.all(pairs.map(async ([k, text]) => [k, await sha256Hex(text)])),
  );
}

/** Digests of the plan's inputs and pip settings. */
export async function inputDigests(
  plan: InstallPlan,
  env: Record<string, string | undefined>,
): Promise<InputDigests> {
  return {
    files: await digests(plan.inputs.map((i) => [i.path, i.text])),
    settings: await digests(pipSettings(env)),
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
