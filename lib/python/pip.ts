/**
 * Running the staged python's pip: the base command line, the staging
 * environment it needs, and the incremental install that reuses a cached
 * environment, installs only what changed and removes what is no longer
 * required.
 * @module
 */
import { dirname, join } from "../path.ts";
import type { Logger } from "../log.ts";
import { run } from "../process.ts";
import { pipFailed, pipTooOld, vendoredInstallFailed } from "../errors.ts";
import type { NamedRequirement } from "./required_set.ts";
import { compareVersions } from "./version.ts";
import {
  installedDistributions,
  installedVersions,
  normalizeName,
  sitePackagesDir,
} from "./site_packages.ts";
import type { InstallPlan, PipInstall } from "./install_plan.ts";
import { BUILD_BACKENDS, missingDistributions } from "./vendor.ts";
import { pythonEnv } from "./python_env.ts";
import { compileInstalledBesidePip, type InstalledCompiler } from "./bytecode.ts";
import { pipInterpreterArgs } from "./pip_main.ts";

/** Where pip runs and what it installs into. */
export interface PipContext {
  /** `deps/<IDX>/python`. */
  pythonDir: string;
  /** `deps/<IDX>`. */
  depsIdxDir: string;
  /** The app (pip's working directory). */
  buildDir: string;
  /** The full child environment (see {@link pythonEnv}). */
  env: Record<string, string>;
  /** The log. */
  log: Logger;
  /** Scratch dir outside the app for rewritten requirements files (see {@link writeRewritten}). */
  scratchDir?: string;
  /** The staged Python's full version (`3.11.7`), for markers. */
  pythonVersion?: string;
}

export { pythonEnv };

function python(ctx: PipContext): string {
  return join(ctx.pythonDir, "bin", "python3");
}

/**
 * Run `pip ARGS` with the staged python (as `python -m pip ARGS`, see
 * `pip_main.ts`); output streams into the log unless `quiet`.
 * A failed install from vendor/ fails with the vendored message naming what
 * pip could not find.
 */
export async function runPip(
  ctx: PipContext,
  args: string[],
  options: { quiet?: boolean; vendored?: boolean } = {},
): Promise<string> {
  const quiet = options.quiet ?? false;
  const res = await run(python(ctx), pipInterpreterArgs(args), {
    cwd: ctx.buildDir,
    env: ctx.env,
    log: quiet ? undefined : ctx.log,
  });
  if (res.code !== 0) {
    if (options.vendored) {
      throw vendoredInstallFailed(missingDistributions(res.output), {
        output: res.output,
        shown: !quiet,
      });
    }
    throw pipFailed(args, res.output, { shown: !quiet });
  }
  return res.output;
}

function pip(
  ctx: PipContext,
  plan: InstallPlan,
  options: { args: string[]; quiet?: boolean },
): Promise<string> {
  return runPip(ctx, options.args, { quiet: options.quiet, vendored: plan.vendor !== undefined });
}

/** Write the plan's generated requirements files into the scratch dir. */
export async function writeRewritten(ctx: PipContext, plan: InstallPlan): Promise<void> {
  if (!plan.files?.length) return;
  if (!ctx.scratchDir) throw new Error("writeRewritten: PipContext.scratchDir is not set");
  for (const f of plan.files) {
    const path = join(ctx.scratchDir, f.path);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeTextFile(path, f.text);
  }
}

/**
 * The pip arguments of one run of the plan (vendored: no index, vendor/ as
 * find-links; `--no-compile` when `noCompile`: the buildpack compiles beside pip).
 */
export function installArgs(
  ctx: PipContext,
  plan: InstallPlan,
  install: PipInstall,
  options: { noCompile?: boolean } = {},
): string[] {
  let targets = install.targets ?? [];
  if (install.requirements) {
    const { path, scratch } = install.requirements;
    if (scratch && !ctx.scratchDir) {
      throw new Error("installArgs: PipContext.scratchDir is not set");
    }
    targets = ["-r", scratch ? join(ctx.scratchDir!, path) : path];
  }
  const vendor = plan.vendor
    ? [
      "--no-index",
      `--find-links=file://${join(ctx.buildDir, plan.vendor)}`,
      "--no-build-isolation",
    ]
    : [];
  return [
    "install",
    ...targets,
    ...install.flags,
    ...(options.noCompile ? ["--no-compile"] : []),
    ...vendor,
    "--exists-action=w",
    `--src=${join(ctx.depsIdxDir, "src")}`,
    "--no-warn-script-location",
  ];
}

/** The plan's pip runs: all of them, or only those marked `local` when asked and any are. */
function runsOf(plan: InstallPlan, options: { onlyLocal?: boolean }): PipInstall[] {
  const local = plan.installs.filter((i) => i.local);
  return options.onlyLocal && local.length ? local : plan.installs;
}

/**
 * Whether pip runs with `--no-compile` and the buildpack compiles what it
 * installs beside it, on the other core (pip compiles each package on its
 * one core after unpacking it: a third of a pinned install, ~0.2 s of the
 * Flask example's cold staging): unless `PIP_COMPILE`/`PIP_NO_COMPILE` say
 * what pip should do. The installed files are the same either way.
 */
export function compilesBesidePip(ctx: PipContext): boolean {
  return ctx.env.PIP_COMPILE === undefined && ctx.env.PIP_NO_COMPILE === undefined;
}

/**
 * The compiler of what pip installs, started now; undefined (pip compiles,
 * as usual) when `PIP_COMPILE`/`PIP_NO_COMPILE` say what pip should do, or
 * when it cannot start.
 */
export function startCompiler(ctx: PipContext): InstalledCompiler | undefined {
  if (!compilesBesidePip(ctx)) return undefined;
  const sitePackages = sitePackagesDir(ctx.pythonDir);
  if (!sitePackages) return undefined;
  return compileInstalledBesidePip(ctx.pythonDir, { libDirs: [sitePackages], env: ctx.env });
}

/** The longest wait for the compiler after pip, ms: 2 minutes, or as long as pip took. */
export function compilerTimeoutMs(pipMs: number): number {
  return Math.max(120_000, pipMs);
}

/** pip is done: wait (bounded) for the compiler to compile what is left, and log it. */
export async function finishCompiler(
  ctx: PipContext,
  compiler: InstalledCompiler,
  pipMs: number,
): Promise<void> {
  const timeout = compilerTimeoutMs(pipMs);
  const { compiled, ms, complete } = await compiler.finish(timeout);
  if (complete) {
    ctx.log.debug(
      `Compiled ${compiled} modules of the installed packages beside pip in ${Math.round(ms)} ms`,
    );
  } else {
    ctx.log.info(
      `Stopped compiling the installed packages ${Math.round(timeout / 1000)} s after pip: ` +
        "what was left compiles at first import",
    );
  }
}

/**
 * Run the pip installs of the plan, in order (only those marked `local` when
 * asked and any are), and compile what they install beside them
 * ({@link compilesBesidePip}).
 */
async function runInstalls(
  ctx: PipContext,
  plan: InstallPlan,
  options: { onlyLocal?: boolean } = {},
): Promise<void> {
  const compiler = startCompiler(ctx);
  const started = performance.now();
  try {
    for (const install of runsOf(plan, options)) {
      await pip(ctx, plan, {
        args: installArgs(ctx, plan, install, { noCompile: compiler !== undefined }),
      });
    }
  } catch (e) {
    await compiler?.abort();
    throw e;
  }
  if (compiler) await finishCompiler(ctx, compiler, performance.now() - started);
}

/** A full install into a runtime that has no app packages yet. */
export async function installFresh(ctx: PipContext, plan: InstallPlan): Promise<void> {
  await runInstalls(ctx, plan);
}

/** The oldest pip whose `install --report` the incremental install reads. */
export const REPORT_PIP = "22.2";

/** Run the plan's pip installs, each with `--report`; returns what pip said was requested. */
async function runInstallsReported(
  ctx: PipContext,
  plan: InstallPlan,
  options: { onlyLocal?: boolean },
): Promise<Set<string>> {
  const requested = new Set<string>();
  for (const install of runsOf(plan, options)) {
    const report = join(ctx.depsIdxDir, `.pip-report-${crypto.randomUUID().slice(0, 8)}.json`);
    try {
      await pip(ctx, plan, { args: [...installArgs(ctx, plan, install), "--report", report] });
      const data = JSON.parse(await Deno.readTextFile(report));
      for (const item of data.install ?? []) {
        if (item.requested && item.metadata?.name) requested.add(normalizeName(item.metadata.name));
      }
    } finally {
      await Deno.remove(report).catch(() => {});
    }
  }
  return requested;
}

/** The staged CPython's full version for markers (`3.11.7`), from the context or the layout. */
function stagedVersion(ctx: PipContext, sitePackages: string): string {
  if (ctx.pythonVersion) return ctx.pythonVersion;
  const minor = sitePackages.match(/python(\d+\.\d+)/)?.[1] ?? "3.13";
  return `${minor}.0`;
}

/**
 * Bring a reused environment in line with changed requirements: let pip
 * install only what is missing or at another version, then remove the
 * distributions nothing requires any more (never what the runtime shipped).
 * A lock names the required set itself; otherwise it is what the top-level
 * requirements reach through the installed metadata.
 * @throws BuildpackError when the runtime's pip is too old to report what it installed
 */
export async function installIncremental(
  ctx: PipContext,
  plan: InstallPlan,
  options: {
    sitePackages: string;
    runtimePackages: string[];
    /** Nothing but local paths can have changed: run only the runs that install them. */
    onlyLocal?: boolean;
  },
): Promise<{ removed: string[] }> {
  let required: Set<string> | undefined;
  if (!plan.hasRequirements) {
    required = new Set();
  } else if (plan.lockedNames) {
    await runInstalls(ctx, plan, { onlyLocal: options.onlyLocal });
    required = new Set(plan.lockedNames);
  } else {
    const version = installedVersions(options.sitePackages).get("pip");
    if (version !== undefined && compareVersions(version, REPORT_PIP) < 0) {
      throw pipTooOld(version, REPORT_PIP);
    }
    const requested = await runInstallsReported(ctx, plan, { onlyLocal: options.onlyLocal });
    const { installedRequirements, requiredClosure, rootRequirements } = await import(
      "./required_set.ts"
    );
    const { linuxEnvironment } = await import("./pep508.ts");
    const env = linuxEnvironment(stagedVersion(ctx, options.sitePackages));
    const installed = await installedRequirements(options.sitePackages);
    const { named, unnamed } = rootRequirements(plan.roots ?? [], env);
    const roots: NamedRequirement[] = [
      ...named,
      ...[...requested].map((name) => ({ name, extras: [] })),
      ...(unnamed
        ? [...installed].filter(([, d]) => d.direct).map(([name]) => ({ name, extras: [] }))
        : []),
    ];
    const missing = named.filter((r) => !installed.has(r.name));
    if (roots.length === 0 || missing.length) {
      ctx.log.info(
        "Not removing packages: could not tell what the requirements need " +
          `(${
            missing.length
              ? `${missing.map((m) => m.name).join(", ")} not installed`
              : "no top-level requirement named"
          })`,
      );
      return { removed: [] };
    }
    required = requiredClosure(roots, installed, env);
  }
  const keep = new Set([
    ...options.runtimePackages,
    "pip",
    "setuptools",
    "wheel",
    ...(plan.vendorSdists ? BUILD_BACKENDS : []),
  ]);
  const removed = installedDistributions(options.sitePackages)
    .filter((name) => !required!.has(name) && !keep.has(name));
  if (removed.length) {
    ctx.log.info(`Removing packages no longer required: ${removed.join(", ")}`);
    await runPip(ctx, ["uninstall", "--yes", "--quiet", ...removed]);
  }
  return { removed };
}
