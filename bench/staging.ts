/**
 * Staging the example app by running the buildpack's phases directly, the
 * way the platform's builder calls them (no emulator): fresh platform-shaped
 * directories, the platform's argument lists and a clean environment.
 * @module
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { BuiltRuntime } from "../tests/support/runtimes.ts";
import { testManifest } from "../tests/support/runtimes.ts";
import {
  copyTree,
  type ProcessPeak,
  readMaxRss,
  runTimed,
  type Timed,
  TreeSampler,
} from "./support.ts";
import { MANIFEST_PARSED } from "../lib/manifest.ts";
import { parsedManifestText } from "../lib/manifest_yaml.ts";
import { manifestForStack, withAddedDependencies } from "../tools/package/manifest_for_stack.ts";
import { bundledEntry } from "../tools/package/dependencies.ts";
import { buildBytecodeArchive } from "../tools/package/bytecode_archive.ts";

/** The repository root. */
export const REPO: string = dirname(dirname(fileURLToPath(import.meta.url)));
/** The app every staging benchmark uses. */
export const EXAMPLE_APP: string = join(REPO, "examples", "flask_app");
/** What a buildpack copy is made of (the rest of the repo is not shipped). */
const BUILDPACK_FILES = ["bin", "cmd", "lib", "mod.ts", "deno.json", "deno.lock", "VERSION"];
/** The platform's PATH for buildpack scripts (deno's dir is appended for the dev shim). */
const BASE_PATH = "/usr/local/bin:/usr/bin:/bin";

/**
 * A copy of the buildpack whose manifest points at the benchmark's runtime,
 * with the parsed manifest a release zip carries beside it (`deno task
 * package` writes the same file).
 */
export async function prepareBuildpack(dir: string, runtime: BuiltRuntime): Promise<string> {
  await Deno.mkdir(dir, { recursive: true });
  for (const name of BUILDPACK_FILES) await copyTree(join(REPO, name), join(dir, name));
  const manifest = testManifest([runtime]);
  await Deno.writeTextFile(join(dir, "manifest.yml"), manifest);
  await Deno.writeTextFile(
    join(dir, MANIFEST_PARSED),
    await parsedManifestText(manifest, "manifest.yml"),
  );
  return dir;
}

/**
 * A copy of the buildpack laid out as `deno task package` lays out a zip:
 * the bytecode archive the packager makes for a runtime without bytecode
 * (none for one with it) bundled, with its `file:` manifest entry; with
 * `cached`, the runtime too (under `dependencies/`, `file:`), else the
 * runtime stays at its `file://` uri, as an online zip's is downloaded.
 * Resolves with the dir and the archive's name, if any.
 */
export async function prepareZipBuildpack(
  dir: string,
  runtime: BuiltRuntime,
  options: { cached: boolean },
): Promise<{ dir: string; archive?: string }> {
  await prepareBuildpack(dir, runtime);
  const file = join(dir, "manifest.yml");
  let manifest = manifestForStack(testManifest([runtime]), {
    file,
    stack: "cflinuxfs4",
    ...(options.cached ? { fileFor: bundledEntry } : {}),
  });
  const work = await Deno.makeTempDir({ dir, prefix: ".package-" });
  try {
    const archive = await buildBytecodeArchive(manifest.dependencies[0], runtime.tarball, {
      workDir: work,
      stacks: ["cflinuxfs4"],
      epoch: 0,
      log: () => {},
    });
    manifest = withAddedDependencies(manifest, archive ? [archive.dependency] : [], file);
    const files: [string, string][] = options.cached
      ? [[runtime.tarball, manifest.dependencies[0].file!]]
      : [];
    if (archive) files.push([archive.path, archive.dependency.file!]);
    for (const [from, entry] of files) {
      await Deno.mkdir(join(dir, entry, ".."), { recursive: true });
      await Deno.copyFile(from, join(dir, entry));
    }
    await Deno.writeTextFile(file, manifest.text);
    await Deno.writeTextFile(
      join(dir, MANIFEST_PARSED),
      await parsedManifestText(manifest.text, "manifest.yml"),
    );
    return { dir, ...(archive && { archive: basename(archive.path) }) };
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

/** The deno module cache the dev shim should use (it has the buildpack's npm packages). */
export function denoDir(): string {
  const home = Deno.env.get("HOME") ?? "/root";
  return Deno.env.get("DENO_DIR") || join(home, ".cache", "deno");
}

/**
 * The environment of every buildpack script: the platform's staging
 * variables, a HOME of the run's own, PATH plus deno's dir, the mirror's
 * `PIP_*` and `DENO_DIR` (the dev shim's module cache; a compiled release
 * binary needs none).
 */
export function stagingEnv(home: string, pip: Record<string, string>): Record<string, string> {
  return {
    CF_STACK: "cflinuxfs4",
    VCAP_APPLICATION: JSON.stringify({
      application_name: "flask_app",
      name: "flask_app",
      space_name: "bench",
      limits: { mem: 1024, disk: 1024, fds: 16384 },
    }),
    VCAP_SERVICES: "{}",
    MEMORY_LIMIT: "1024m",
    LANG: "en_US.UTF-8",
    USER: "vcap",
    HOME: home,
    PATH: `${BASE_PATH}:${dirname(Deno.execPath())}`,
    DENO_DIR: denoDir(),
    ...pip,
  };
}

/** One staging's directories, shaped like the platform's. */
export interface StagingDirs {
  /** Scratch root of this staging (removed afterwards). */
  root: string;
  /** `/tmp/app`: a copy of the app. */
  buildDir: string;
  /** `/tmp/cache/final`. */
  cacheDir: string;
  /** `/tmp/contentsNNN/deps` (holds `0/`). */
  depsDir: string;
  /** `/tmp/contentsNNN/profile.d`. */
  profileDir: string;
  /** `/home/vcap`: HOME and working directory. */
  home: string;
}

/**
 * Fresh directories for one staging under `root`; the app cache is `cacheDir`
 * when given (a warm restage), else a new empty one.
 */
export async function freshStaging(root: string, cacheDir?: string): Promise<StagingDirs> {
  const contents = join(root, "tmp", "contents123456789");
  const dirs: StagingDirs = {
    root,
    buildDir: join(root, "tmp", "app"),
    cacheDir: cacheDir ?? join(root, "tmp", "cache", "final"),
    depsDir: join(contents, "deps"),
    profileDir: join(contents, "profile.d"),
    home: join(root, "home", "vcap"),
  };
  await Deno.mkdir(join(root, "tmp"), { recursive: true });
  await copyTree(EXAMPLE_APP, dirs.buildDir);
  await Deno.mkdir(dirs.cacheDir, { recursive: true });
  await Deno.mkdir(join(dirs.depsDir, "0"), { recursive: true });
  await Deno.mkdir(dirs.profileDir, { recursive: true });
  await Deno.mkdir(dirs.home, { recursive: true });
  return dirs;
}

/** How a phase is run. */
export interface PhaseOptions {
  /** Wrap in GNU time (`-f %M`): its path. */
  gnuTime?: string;
  /** Sample every process's VmHWM. */
  sample?: boolean;
}

/** A phase's timing and, when asked, memory. */
export interface PhaseResult extends Timed {
  /** GNU time's `%M`, KiB. */
  maxRssKb?: number;
  /** Per-process sampled peaks. */
  peaks?: ProcessPeak[];
}

/** Run `bin/<phase> args...` of the buildpack copy with the staging env. */
export async function runPhase(
  buildpack: string,
  phase: "detect" | "supply" | "finalize" | "release",
  args: string[],
  env: Record<string, string>,
  cwd: string,
  options: PhaseOptions = {},
): Promise<PhaseResult> {
  const script = join(buildpack, "bin", phase);
  let cmd = script;
  let argv = args;
  let timeFile: string | undefined;
  if (options.gnuTime) {
    timeFile = await Deno.makeTempFile({ prefix: "bench-time-" });
    cmd = options.gnuTime;
    argv = ["-f", "%M", "-o", timeFile, script, ...args];
  }
  const sampler = options.sample ? new TreeSampler() : undefined;
  try {
    const result: PhaseResult = await runTimed(cmd, argv, {
      env,
      cwd,
      onSpawn: (pid) => sampler?.start(pid),
    });
    if (sampler) result.peaks = sampler.stop();
    if (timeFile) result.maxRssKb = await readMaxRss(timeFile);
    return result;
  } finally {
    sampler?.stop();
    if (timeFile) await Deno.remove(timeFile).catch(() => {});
  }
}

/** A whole staging: supply, finalize, release. */
export interface StagingResult {
  supply: PhaseResult;
  finalize: PhaseResult;
  release: PhaseResult;
}

function failure(phase: string, r: Timed): Error {
  return new Error(
    `bin/${phase} exited with ${r.code}:\n${r.lines.map((l) => l.text).join("\n")}\n${r.stderr}`,
  );
}

/**
 * Stage once: `bin/supply BUILD CACHE DEPS 0`, `bin/finalize BUILD CACHE DEPS 0
 * PROFILE`, `bin/release BUILD`, checking the log says what `expect` wants
 * (`installed`/`fresh` for a cold staging, `reused`/`unchanged` for a warm one).
 */
export async function stageOnce(
  buildpack: string,
  dirs: StagingDirs,
  pip: Record<string, string>,
  expect: "cold" | "warm",
  options: PhaseOptions = {},
): Promise<StagingResult> {
  const env = stagingEnv(dirs.home, pip);
  const { buildDir, cacheDir, depsDir, profileDir, home } = dirs;
  const supply = await runPhase(
    buildpack,
    "supply",
    [buildDir, cacheDir, depsDir, "0"],
    env,
    home,
    options,
  );
  if (supply.code !== 0) throw failure("supply", supply);
  const ready = supply.lines.find((l) => l.text.includes(" ready: runtime "))?.text ?? "";
  const want = expect === "cold"
    ? "runtime installed, packages fresh"
    : "runtime reused, packages unchanged";
  if (!ready.includes(want)) {
    throw new Error(`a ${expect} staging should log '${want}', got: ${ready.trim() || "(none)"}`);
  }
  const finalize = await runPhase(
    buildpack,
    "finalize",
    [buildDir, cacheDir, depsDir, "0", profileDir],
    env,
    home,
  );
  if (finalize.code !== 0) throw failure("finalize", finalize);
  const release = await runPhase(buildpack, "release", [buildDir], env, home);
  if (release.code !== 0) throw failure("release", release);
  return { supply, finalize, release };
}

/** Points of the supply log, ms after the spawn (undefined when the line is absent). */
export interface SupplyMarks {
  /** `-----> Python Buildpack version`: deno is up and the modules are loaded. */
  firstLine?: number;
  /** `-----> Installing python`. */
  installing?: number;
  /** `-----> Running Pip Install`: the runtime is in place (fetched, verified, extracted). */
  pipStep?: number;
  /** pip's first output line: the staged python and pip have started. */
  pipFirst?: number;
  /** pip's `Successfully installed` line. */
  pipDone?: number;
  /** `... ready: runtime ...`: relocation, links, launch files, cache save done. */
  ready?: number;
  /** Exit. */
  exit: number;
}

/** Find the marks in a supply log. */
export function supplyMarks(r: Timed): SupplyMarks {
  const at = (test: (t: string) => boolean) => r.lines.find((l) => test(l.text))?.at;
  const pipStepIdx = r.lines.findIndex((l) => l.text.startsWith("-----> Running Pip Install"));
  const afterPip = pipStepIdx >= 0 ? r.lines.slice(pipStepIdx + 1) : [];
  const pipFirst = afterPip.find((l) => !l.text.includes(" ready: runtime "));
  return {
    firstLine: r.lines[0]?.at,
    installing: at((t) => t.startsWith("-----> Installing python")),
    pipStep: pipStepIdx >= 0 ? r.lines[pipStepIdx].at : undefined,
    pipFirst: afterPip.length && pipFirst && /Looking in|Processing|Collecting/.test(pipFirst.text)
      ? pipFirst.at
      : undefined,
    pipDone: at((t) => t.trim().startsWith("Successfully installed")),
    ready: at((t) => t.includes(" ready: runtime ")),
    exit: r.ms,
  };
}
