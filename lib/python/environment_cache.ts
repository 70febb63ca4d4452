/**
 * Reusing the previous staging's Python environment (runtime plus installed
 * packages) from the app cache. The cache holds `python-env/` (a hard-linked
 * copy of `deps/<IDX>/python`) and `python-env.json` saying what made it.
 * @module
 */
import { join } from "node:path";
import type { InputDigests } from "./install_plan.ts";

/** What produced a cached environment. */
export interface EnvironmentRecord {
  /** Record format. */
  schema: 1;
  /** Buildpack version that staged it. */
  buildpackVersion: string;
  /** Stack it was built for. */
  stack: string;
  /** The runtime dependency it started from. */
  runtime: { version: string; sha256: string };
  /** Digest of the package inputs (requirements files, pip settings). */
  fingerprint: string;
  /** Distributions the runtime itself shipped (never removed as unneeded). */
  runtimePackages: string[];
  /** Digests of each input, to tell the user what changed. */
  inputs?: InputDigests;
}

const ENV_DIR = "python-env";
const RECORD_FILE = "python-env.json";

/** Why a cached environment can or cannot be reused. Pure. */
export function reuseVerdict(
  record: EnvironmentRecord | undefined,
  want: { buildpackVersion: string; stack: string; runtime: { version: string; sha256: string } },
): { reuse: boolean; reason: string } {
  if (!record) return { reuse: false, reason: "no Python environment in the app cache" };
  if (record.stack !== want.stack) {
    return { reuse: false, reason: `the stack changed from ${record.stack} to ${want.stack}` };
  }
  if (record.buildpackVersion !== want.buildpackVersion) {
    return {
      reuse: false,
      reason:
        `the buildpack version changed from ${record.buildpackVersion} to ${want.buildpackVersion}`,
    };
  }
  if (record.runtime.sha256 !== want.runtime.sha256) {
    return {
      reuse: false,
      reason: record.runtime.version === want.runtime.version
        ? `the python ${want.runtime.version} runtime was rebuilt`
        : `python changed from ${record.runtime.version} to ${want.runtime.version}`,
    };
  }
  return { reuse: true, reason: `same python ${want.runtime.version} runtime` };
}

/** The record of the cached environment, if one is complete. */
export async function readRecord(cacheDir: string): Promise<EnvironmentRecord | undefined> {
  try {
    const record = JSON.parse(await Deno.readTextFile(join(cacheDir, RECORD_FILE)));
    await Deno.stat(join(cacheDir, ENV_DIR, "bin"));
    return record?.schema === 1 ? record as EnvironmentRecord : undefined;
  } catch {
    return undefined;
  }
}

async function copyTree(from: string, to: string, hardlink: boolean): Promise<void> {
  const res = await new Deno.Command("cp", {
    args: [hardlink ? "-al" : "-a", from, to],
    stderr: "piped",
  }).output();
  if (!res.success) throw new Error(`cp ${from} ${to}: ${new TextDecoder().decode(res.stderr)}`);
}

/** Move the cached environment to `pythonDir` (copy when on another filesystem). */
export async function restoreEnvironment(cacheDir: string, pythonDir: string): Promise<void> {
  const from = join(cacheDir, ENV_DIR);
  try {
    await Deno.rename(from, pythonDir);
  } catch {
    await copyTree(from, pythonDir, false);
  }
  await Deno.remove(join(cacheDir, RECORD_FILE)).catch(() => {});
}

/** Forget the cached environment (it is stale or was restored). */
export async function dropEnvironment(cacheDir: string): Promise<void> {
  await Deno.remove(join(cacheDir, ENV_DIR), { recursive: true }).catch(() => {});
  await Deno.remove(join(cacheDir, RECORD_FILE)).catch(() => {});
}

/** Save `pythonDir` into the cache with hard links (cheap), then its record. */
export async function saveEnvironment(
  cacheDir: string,
  pythonDir: string,
  record: EnvironmentRecord,
): Promise<void> {
  await dropEnvironment(cacheDir);
  await Deno.mkdir(cacheDir, { recursive: true });
  try {
    await copyTree(pythonDir, join(cacheDir, ENV_DIR), true);
  } catch {
    await copyTree(pythonDir, join(cacheDir, ENV_DIR), false);
  }
  await Deno.writeTextFile(join(cacheDir, RECORD_FILE), JSON.stringify(record, null, 2) + "\n");
}
