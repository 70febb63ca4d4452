/**
 * What staging costs without the buildpack: GNU `tar xzf` of the runtime
 * tarball, then the very `python -m pip install -r requirements.txt ...`
 * command supply runs, with the environment supply gives pip (built by the
 * buildpack's own `stagingEnv` and `pythonEnv`) and a cold pip cache. Also
 * the extraction race: `extractArchive` against `tar xzf`.
 * @module
 */
import { join } from "node:path";
import { extractArchive } from "../lib/deps/extract.ts";
import { compileBytecodeBehindPip, compileInstalledBesidePip } from "../lib/python/bytecode.ts";
import type { BuiltRuntime } from "../tests/support/runtimes.ts";
import { packTarball } from "../tools/python_dep/package.ts";
import { fileUri } from "../tools/python_dep/manifest_entry.ts";
import {
  compilerTimeoutMs,
  compilesBesidePip,
  installArgs,
  installFresh,
  type PipContext,
  pythonEnv,
  writeRewritten,
} from "../lib/python/pip.ts";
import { lockedPlan } from "../lib/python/managers/locked_plan.ts";
import type { LockedInstall } from "../lib/python/managers/locked.ts";
import { normalizeName, sitePackagesDir } from "../lib/python/site_packages.ts";
import { pipInterpreterArgs } from "../lib/python/pip_main.ts";
import { Logger, MemorySink } from "../lib/log.ts";
import { stagingEnv as depsStagingEnv } from "../lib/stage/staging_env.ts";
import { freshStaging, stagingEnv } from "./staging.ts";
import { runChecked, runTimed, sync, type Timed } from "./support.ts";

/** One by-hand staging: the two steps, ms. */
export interface ByHandRun {
  tarMs: number;
  pipMs: number;
  /** With `compile`: from pip's start until both pip and the compiler are done. */
  pipAndCompileMs?: number;
  /** With `compile`: files the compiler compiled. */
  compiled?: number;
  /** pip's `Successfully installed` line (to check it did the same work). */
  installed: string;
  /**
   * From that line's arrival to pip's exit, ms (pip's own tail, which
   * supply's log counts); with `compileInstalled`, to the compiler's end.
   */
  pipExitMs?: number;
}

/**
 * From the arrival of the first stdout line starting with `prefix` to the
 * process's exit, ms; undefined without such a line. Pure.
 */
export function tailAfterLine(run: Timed, prefix: string): number | undefined {
  const line = run.lines.find((l) => l.text.startsWith(prefix));
  return line === undefined ? undefined : run.ms - line.at;
}

/** Options of {@link byHandStaging}. */
export interface ByHandOptions {
  /** The mirror's `PIP_*` variables. */
  pip: Record<string, string>;
  /** The requirements file, relative to the app dir (default `requirements.txt`). */
  requirements?: string;
  /** More pip arguments (`--no-deps`). */
  pipArgs?: string[];
  /** Files to copy into the app dir first (a pins file). */
  appFiles?: Record<string, string>;
  /**
   * Run `lib/python/bytecode.ts`'s compiler beside pip (the runtime's
   * version, for its stdlib dir).
   */
  compile?: { version: string };
  /**
   * pip as supply runs it: started as supply starts it (`pip_main.ts`),
   * `--no-compile`, with `bytecode.ts`'s compiler of the installed packages
   * beside it; `pipMs` then lasts until it is done.
   */
  compileInstalled?: boolean;
}

/**
 * `tar xzf` into `<deps>/0/python` then pip, in fresh directories under
 * `root` (left there).
 */
export async function byHandStaging(
  root: string,
  tarball: string,
  options: ByHandOptions,
): Promise<ByHandRun> {
  const dirs = await freshStaging(root);
  for (const [name, text] of Object.entries(options.appFiles ?? {})) {
    await Deno.writeTextFile(join(dirs.buildDir, name), text);
  }
  const depsIdxDir = join(dirs.depsDir, "0");
  const pythonDir = join(depsIdxDir, "python");
  // supply makes these before pip runs; they change the PATHs pip gets.
  for (const sub of ["bin", "lib", "include", "pkgconfig"]) {
    await Deno.mkdir(join(depsIdxDir, sub), { recursive: true });
  }
  await Deno.mkdir(pythonDir);
  await sync();
  let started = performance.now();
  await runChecked("tar", ["xzf", tarball, "-C", pythonDir]);
  const tarMs = performance.now() - started;

  const base = stagingEnv(dirs.home, options.pip);
  const env = pythonEnv(depsStagingEnv(dirs.depsDir, base), {
    cacheDir: dirs.cacheDir,
    depsIdxDir,
  });
  const pipArgs = [
    "install",
    "-r",
    options.requirements ?? "requirements.txt",
    "--exists-action=w",
    `--src=${join(depsIdxDir, "src")}`,
    "--no-warn-script-location",
    ...(options.pipArgs ?? []),
    ...(options.compileInstalled ? ["--no-compile"] : []),
  ];
  // By hand is `python -m pip`; pip as supply runs it is started as supply starts it.
  const args = options.compileInstalled ? pipInterpreterArgs(pipArgs) : ["-m", "pip", ...pipArgs];
  const sitePackages = sitePackagesDir(pythonDir);
  if (options.compileInstalled && !sitePackages) throw new Error(`${tarball}: no site-packages`);
  await sync();
  started = performance.now();
  const job = options.compile
    ? compileBytecodeBehindPip(pythonDir, { version: options.compile.version, env })
    : undefined;
  if (options.compile && !job) throw new Error(`${tarball} has bytecode: nothing to compile`);
  const installed = options.compileInstalled
    ? compileInstalledBesidePip(pythonDir, { libDirs: [sitePackages!], env })
    : undefined;
  if (options.compileInstalled && !installed) throw new Error("the compiler did not start");
  const r = await runTimed(join(pythonDir, "bin", "python3"), args, { env, cwd: dirs.buildDir });
  const pipExitedMs = performance.now() - started;
  if (installed) {
    const done = await installed.finish(compilerTimeoutMs(pipExitedMs));
    if (!done.complete) throw new Error("the compiler beside pip did not finish");
  }
  const pipMs = performance.now() - started;
  const compiled = job ? (await job.finished).compiled : undefined;
  const pipAndCompileMs = job ? performance.now() - started : undefined;
  if (r.code !== 0) {
    throw new Error(`pip by hand failed (${r.code}):\n${r.lines.map((l) => l.text).join("\n")}`);
  }
  const line = r.lines.find((l) => l.text.startsWith("Successfully installed"))?.text ?? "";
  const tail = tailAfterLine(r, "Successfully installed");
  const pipExitMs = tail === undefined ? undefined : tail + (pipMs - pipExitedMs);
  return { tarMs, pipMs, pipAndCompileMs, compiled, installed: line, pipExitMs };
}

/** One install of a lock the buildpack's way, ms. */
export interface LockRun {
  tarMs: number;
  /** From writing the plan's files until pip and the compiler beside it are done. */
  installMs: number;
  /** pip's output (its `Successfully installed` line, to check it did the same work). */
  installed: string;
  /** The pip command lines, with the staging's paths. */
  commands: string[];
  /** The buildpack's debug lines (how many files the compiler compiled). */
  debug: string[];
}

/**
 * The lock a pins file (`name==version --hash=sha256:...` lines, see
 * {@link pinnedRequirements}) stands for: registry distributions with their
 * hashes, no index of its own (the mirror's `PIP_*` variables decide).
 */
export function pinsAsLock(pins: string): LockedInstall {
  const distributions = pins.trim().split("\n").map((line) => {
    const m = line.match(/^([A-Za-z0-9._-]+)==(\S+)((?:\s+--hash=\S+)+)$/);
    if (!m) throw new Error(`not a pin with hashes: ${line}`);
    return {
      name: normalizeName(m[1]),
      version: m[2],
      kind: "registry" as const,
      requirement: `${m[1]}==${m[2]}`,
      hashes: m[3].trim().split(/\s+/).map((h) => h.replace(/^--hash=/, "")),
    };
  });
  return { lockFile: "uv.lock", distributions, indexes: [], notes: [] };
}

/**
 * What supply does for a lock of `pins` once the runtime is in place: `tar
 * xzf` into `<deps>/0/python`, then the buildpack's own plan for the lock
 * (`lockedPlan`) written and installed by the buildpack's own pip runner
 * (`installFresh`: pip with `--require-hashes --no-deps`, and whatever the
 * plan asks beside it), with supply's pip environment and a cold pip cache,
 * in fresh directories under `root` (left there).
 */
export async function lockStaging(
  root: string,
  tarball: string,
  options: { pip: Record<string, string>; pins: string },
): Promise<LockRun> {
  const dirs = await freshStaging(root);
  const depsIdxDir = join(dirs.depsDir, "0");
  const pythonDir = join(depsIdxDir, "python");
  for (const sub of ["bin", "lib", "include", "pkgconfig"]) {
    await Deno.mkdir(join(depsIdxDir, sub), { recursive: true });
  }
  await Deno.mkdir(pythonDir);
  const scratchDir = join(dirs.root, "scratch");
  await Deno.mkdir(scratchDir);
  await sync();
  let started = performance.now();
  await runChecked("tar", ["xzf", tarball, "-C", pythonDir]);
  const tarMs = performance.now() - started;

  const env = pythonEnv(depsStagingEnv(dirs.depsDir, stagingEnv(dirs.home, options.pip)), {
    cacheDir: dirs.cacheDir,
    depsIdxDir,
  });
  const plan = lockedPlan(pinsAsLock(options.pins), { manager: "uv", inputs: [], env });
  const sink = new MemorySink();
  const ctx: PipContext = {
    pythonDir,
    depsIdxDir,
    buildDir: dirs.buildDir,
    env,
    log: new Logger(sink, { debug: true }),
    scratchDir,
  };
  // As runInstalls builds them (with --no-compile when pip's compiling is done beside it).
  const noCompile = compilesBesidePip(ctx);
  const commands = plan.installs.map((i) =>
    ["python", "-m", "pip", ...installArgs(ctx, plan, i, { noCompile })].join(" ")
  );
  await sync();
  started = performance.now();
  await writeRewritten(ctx, plan);
  await installFresh(ctx, plan);
  const installMs = performance.now() - started;
  const lines = sink.text.split("\n");
  return {
    tarMs,
    installMs,
    installed: lines.find((l) => l.includes("Successfully installed"))?.trim() ?? "",
    commands,
    debug: lines.filter((l) => l.includes("DEBUG")).map((l) => l.trim()),
  };
}

/**
 * The same runtime without its bytecode: `tarball` extracted, every
 * `__pycache__` removed, packed again by the python-dep builder (same tar
 * options, same gzip), as `<outDir>/python_..._<sha>.tgz`. The official
 * runtime tarballs the manifest points at are like this.
 */
export async function withoutBytecode(
  tarball: string,
  outDir: string,
  version: string,
): Promise<BuiltRuntime> {
  const stage = join(outDir, "stage");
  await Deno.mkdir(stage, { recursive: true });
  // Left out while extracting rather than deleted after: mass deletions slow file creation on
  // this ext4 for minutes (bench/README.md, noise control), and the measurements follow.
  await runChecked("tar", ["xzf", tarball, "-C", stage, "--exclude=__pycache__"]);
  const packed = await packTarball(stage, outDir, {
    version,
    stacks: ["cflinuxfs4"],
    sourceDateEpoch: 0,
  });
  return { version, tarball: packed.path, sha256: packed.sha256, uri: fileUri(packed.path) };
}

/**
 * A fully pinned, hash-checked requirements file for the example app: what
 * `pip install -r requirements.txt` resolves to (pip's `--dry-run --report`
 * with a runtime from `tarball`, in `scratch`), one `name==version
 * --hash=sha256:...` line per package, as a lock file gives.
 */
export async function pinnedRequirements(
  tarball: string,
  scratch: string,
  pip: Record<string, string>,
): Promise<string> {
  const dirs = await freshStaging(scratch);
  const python = join(dirs.depsDir, "0", "python");
  await Deno.mkdir(python, { recursive: true });
  await runChecked("tar", ["xzf", tarball, "-C", python]);
  const env = pythonEnv(stagingEnv(dirs.home, pip), {
    cacheDir: dirs.cacheDir,
    depsIdxDir: join(dirs.depsDir, "0"),
  });
  const report = join(scratch, "report.json");
  await runChecked(join(python, "bin", "python3"), [
    "-m",
    "pip",
    "install",
    "-r",
    "requirements.txt",
    "--dry-run",
    "--ignore-installed",
    "--quiet",
    "--report",
    report,
  ], { cwd: dirs.buildDir, env });
  const { install } = JSON.parse(await Deno.readTextFile(report)) as {
    install: {
      metadata: { name: string; version: string };
      download_info: { archive_info?: { hashes?: { sha256?: string }; hash?: string } };
    }[];
  };
  const lines = install.map(({ metadata, download_info }) => {
    const info = download_info.archive_info;
    const sha = info?.hashes?.sha256 ?? info?.hash?.replace(/^sha256=/, "");
    if (!sha) throw new Error(`pip's report has no sha256 for ${metadata.name}`);
    return `${metadata.name}==${metadata.version} --hash=sha256:${sha}`;
  });
  return lines.sort().join("\n") + "\n";
}

/** Python and pip versions of a runtime tarball (extracted into `scratch`, left there). */
export async function runtimeVersions(
  tarball: string,
  scratch: string,
): Promise<{ python: string; pip: string }> {
  await Deno.mkdir(scratch, { recursive: true });
  await runChecked("tar", ["xzf", tarball, "-C", scratch]);
  const env = {
    PATH: "/usr/bin:/bin",
    LD_LIBRARY_PATH: join(scratch, "lib"),
    PYTHONNOUSERSITE: "1",
  };
  const py = join(scratch, "bin", "python3");
  const python = (await runChecked(py, ["-c", "import sys; print(sys.version.split()[0])"], {
    env,
  })).trim();
  const pipVersion = (await runChecked(py, ["-m", "pip", "--version"], { env })).split(" ")[1];
  return { python, pip: pipVersion };
}

/** One round of the extraction race, ms. */
export interface ExtractRun {
  extractArchiveMs: number;
  tarMs: number;
}

/**
 * `extractArchive` (in this process) and `tar xzf` (a child) of the same
 * tarball into fresh directories `<root>/<name>-{ours,tar}` (left there);
 * `extractArchive` goes first when `oursFirst`.
 */
export async function extractionRound(
  root: string,
  tarball: string,
  name: string,
  oursFirst: boolean,
): Promise<ExtractRun> {
  const ours = join(root, `${name}-ours`);
  const gnu = join(root, `${name}-tar`);
  await Deno.mkdir(gnu, { recursive: true });
  const timeOurs = async () => {
    await sync();
    const t = performance.now();
    await extractArchive(tarball, ours);
    return performance.now() - t;
  };
  const timeTar = async () => {
    await sync();
    const t = performance.now();
    await runChecked("tar", ["xzf", tarball, "-C", gnu]);
    return performance.now() - t;
  };
  let extractArchiveMs: number;
  let tarMs: number;
  if (oursFirst) {
    extractArchiveMs = await timeOurs();
    tarMs = await timeTar();
  } else {
    tarMs = await timeTar();
    extractArchiveMs = await timeOurs();
  }
  return { extractArchiveMs, tarMs };
}

/**
 * Decompression alone, ms: `DecompressionStream("gzip")` over the file in
 * this process (what extractArchive inflates with) and `gzip -dc` to
 * /dev/null (what GNU tar runs beside itself).
 */
export async function inflateOnly(tarball: string): Promise<{ streamMs: number; gzipMs: number }> {
  let t = performance.now();
  {
    using file = await Deno.open(tarball);
    let n = 0;
    for await (const c of file.readable.pipeThrough(new DecompressionStream("gzip"))) n += c.length;
    if (n === 0) throw new Error(`${tarball} inflated to nothing`);
  }
  const streamMs = performance.now() - t;
  t = performance.now();
  await runChecked("sh", ["-c", 'exec gzip -dc < "$1" > /dev/null', "sh", tarball]);
  return { streamMs, gzipMs: performance.now() - t };
}
