/**
 * Arguments of `deno task package`. Pure.
 * @module
 */
import { parseArgs } from "node:util";
import { packageUsage } from "../../lib/errors.ts";

/** What to build. */
export interface PackageOptions {
  /** A stack from the manifest, or `any`. */
  stack: string;
  /** Bundle every dependency of the stack (offline zip). */
  cached: boolean;
  /** Buildpack version (default: the VERSION file). */
  version?: string;
  /** Output zip (default: `python_buildpack[-cached][-<stack>]-v<V>.zip` in the working dir). */
  out?: string;
  /** Package this executable as `bin/buildpack` instead of compiling. */
  binary?: string;
  /** Take cached dependencies from this directory instead of their URIs. */
  dependencyDir?: string;
  /** Keep downloads here between runs. */
  downloadCache?: string;
  /**
   * Which runtimes without bytecode get a bytecode archive in the zip (see
   * `bytecode_archive.ts`): every one of the stack, the one(s)
   * `default_versions` picks, or none (the packager then runs no runtime).
   * Default: `all` for cached zips, `default` for others.
   */
  bytecode?: BytecodeChoice;
}

/** The `--bytecode` values. */
export const BYTECODE_CHOICES = ["all", "default", "none"] as const;
/** One of {@link BYTECODE_CHOICES}. */
export type BytecodeChoice = (typeof BYTECODE_CHOICES)[number];

/** Parse the command line; `"help"` for `--help`. */
export function parsePackageArgs(args: string[]): PackageOptions | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        stack: { type: "string" },
        cached: { type: "boolean", default: false },
        version: { type: "string" },
        out: { type: "string" },
        binary: { type: "string" },
        "dependency-dir": { type: "string" },
        "download-cache": { type: "string" },
        bytecode: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (err) {
    throw packageUsage((err as Error).message.replace(/\.$/, ""));
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (!v.stack) throw packageUsage("--stack is required (a stack such as cflinuxfs4, or any)");
  if (!/^[A-Za-z0-9._-]+$/.test(v.stack)) {
    throw packageUsage(`--stack ${JSON.stringify(v.stack)} is not a stack name`);
  }
  if (v.version !== undefined && !/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/.test(v.version)) {
    throw packageUsage(`--version ${JSON.stringify(v.version)} is not a version such as 1.2.3`);
  }
  const bytecode = v.bytecode as BytecodeChoice | undefined;
  if (bytecode !== undefined && !BYTECODE_CHOICES.includes(bytecode)) {
    throw packageUsage(`--bytecode ${JSON.stringify(bytecode)}: expected all, default or none`);
  }
  if (v["dependency-dir"] !== undefined && !v.cached && bytecode === "none") {
    throw packageUsage(
      "--dependency-dir has nothing to give an online zip with --bytecode none " +
        "(it holds the runtimes a cached zip bundles or whose bytecode a zip carries)",
    );
  }
  for (const key of ["out", "binary", "dependency-dir", "download-cache"] as const) {
    if (v[key] === "") throw packageUsage(`--${key} needs a path`);
  }
  return {
    stack: v.stack,
    cached: v.cached,
    ...(v.version !== undefined ? { version: v.version } : {}),
    ...(v.out !== undefined ? { out: v.out } : {}),
    ...(v.binary !== undefined ? { binary: v.binary } : {}),
    ...(v["dependency-dir"] !== undefined ? { dependencyDir: v["dependency-dir"] } : {}),
    ...(v["download-cache"] !== undefined ? { downloadCache: v["download-cache"] } : {}),
    ...(bytecode !== undefined ? { bytecode } : {}),
  };
}

/** `python_buildpack[-cached][-<stack>]-v<version>.zip` (no stack part for `any`). Pure. */
export function zipName(options: { stack: string; cached: boolean; version: string }): string {
  const stack = options.stack === "any" ? "" : `-${options.stack}`;
  return `python_buildpack${options.cached ? "-cached" : ""}${stack}-v${options.version}.zip`;
}
