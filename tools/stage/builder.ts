/**
 * The emulated builder (`cf push` staging): detect or multi-buildpack
 * supply, finalize/compile, release, process types, `staging_info.yml`,
 * `result.json`, the droplet and the app cache, following
 * /work/shared/reference/cf-buildpack-contract.md section 1.
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { type Buildpack, findWrites, prepareBuildpacks } from "./buildpacks.ts";
import { CACHE_FILE, exists, packDir, unpackInto } from "./droplet.ts";
import { type AppIdentity, stagingEnv } from "./env.ts";
import { createLayout, depsIndex, type Layout, pruneCache, supplyCacheName } from "./layout.ts";
import { runScript, type RunScriptResult } from "./process.ts";
import {
  mergeProcesses,
  parseLaunchYml,
  parseProcfile,
  parseRelease,
  type Process,
  processesFromMap,
  toProcessResult,
} from "./process_types.ts";
import { seconds, StageLog } from "./stage_log.ts";
import {
  type BuildpackMetadata,
  type StagingInfo,
  stagingOutputs,
  type StagingResultJson,
} from "./staging_result.ts";
import { copyTree, type Exclude, removeTree } from "./tree.ts";

/** This repository's root: the buildpack staged when none is named. */
export const DEFAULT_BUILDPACK: string = fileURLToPath(new URL("../..", import.meta.url))
  .replace(/\/+$/, "");

/** Builder exit codes (buildpackapplifecycle). */
export const EXIT = { system: 1, detect: 222, compile: 223, release: 224, supply: 225 } as const;

/** Builder messages, verbatim from buildpackapplifecycle. */
export const MESSAGES = {
  detectFail: "None of the buildpacks detected a compatible application",
  compileFail: "Failed to compile droplet",
  releaseFail: "Failed to build droplet release",
  supplyFail: "Failed to run all supply scripts",
  noSupplyScript:
    "Error: one of the buildpacks chosen to supply dependencies does not support multi-buildpack apps",
  missingFinalize:
    "Warning: the last buildpack is not compatible with multi-buildpack apps and cannot make use of any dependencies supplied by the buildpacks specified before it",
  finalizeFail: "Failed to run finalize script",
  noWeb: "No start command specified by buildpack or via Procfile.",
  noWebHint: "App will not start unless a command is provided at runtime.",
} as const;

/** Default overall staging timeout (the platform's 15 minutes). */
export const STAGING_TIMEOUT_MS = 900_000;

/** Options of {@link stage}. */
export interface StageOptions {
  /** The app source; copied, never modified. */
  appDir: string;
  /**
   * Buildpack directories in order (`cf push -b` ...). `[]` = this repo's
   * buildpack, with detect.
   */
  buildpacks: string[];
  /** Run detect over `buildpacks` (default: only when `buildpacks` is empty). */
  detect?: boolean;
  /** A file the (final) buildpack's copy gets as its `manifest.yml`. */
  manifest?: string;
  /** Directory holding `app-cache.tgz` (restored before, saved after a success). */
  cacheDir?: string;
  /** User env (`cf set-env` / `--env`): staging and, in the CLI, runtime. */
  env?: Record<string, string>;
  /** `CF_STACK` (default cflinuxfs4). */
  stack?: string;
  /** Where the droplet goes (default `<workDir>/droplet.tgz`). */
  dropletPath?: string;
  /** `cf push -c`: wins over every other start command; written to staging_info.yml. */
  startCommand?: string;
  /** Streamed log, chunk by chunk (default stdout). */
  output?: (chunk: string) => void;
  /** App name in VCAP_APPLICATION (default: the app directory's basename). */
  appName?: string;
  /** Keep the scratch staging tree (`tmp/`, `home/`) for inspection. */
  keepWorkDir?: boolean;
  /** Overall staging timeout in ms (default 900 s). */
  timeoutMs?: number;
}

/** Outcome of {@link stage}. */
export interface StageResult {
  /** 0, 222-225 as the builder, or 1. */
  exitCode: number;
  /** The whole log (buildpack output and `[stage]` lines). */
  log: string;
  /** The droplet, on success. */
  dropletPath?: string;
  /** staging_info.yml contents, on success. */
  stagingInfo?: StagingInfo;
  /** result.json contents, on success. */
  result?: StagingResultJson;
  /**
   * Scratch root of this staging. Unless `keepWorkDir`, its staging tree is
   * removed afterwards; the directory itself remains only while it holds the
   * default droplet (then the caller removes it).
   */
  workDir: string;
}

/** One buildpack script run: `bin/<phase> args...`, failing staging with `failCode`. */
interface Step {
  phase: "detect" | "supply" | "finalize" | "compile" | "release";
  args: string[];
  failCode: number;
  /** Capture stdout instead of logging it. */
  capture?: boolean;
}

/** A staging failure with the builder's exit code. */
class StagingFailure extends Error {
  constructor(readonly exitCode: number, message: string) {
    super(message);
  }
}

/** The cf CLI's default ignore list (matched by name at any depth). */
const CF_IGNORED = new Set([
  ".cfignore",
  ".DS_Store",
  ".git",
  ".gitignore",
  ".hg",
  ".svn",
  "_darcs",
  "manifest.yaml",
  "manifest.yml",
]);

const excludeFromApp: Exclude = (rel) => CF_IGNORED.has(basename(rel));

/** Stage an app with v2 buildpacks, like the platform's builder. */
export async function stage(options: StageOptions): Promise<StageResult> {
  const log = new StageLog(options.output);
  const workDir = await Deno.makeTempDir({ prefix: "cf-stage-" });
  const started = performance.now();
  const builder = new Builder(options, log, workDir);
  let result: StageResult = { exitCode: EXIT.system, log: "", workDir };
  try {
    result = await builder.run();
  } catch (e) {
    const failure = e instanceof StagingFailure
      ? e
      : new StagingFailure(EXIT.system, e instanceof Error ? e.message : String(e));
    log.info(failure.message);
    result = { exitCode: failure.exitCode, log: "", workDir };
  }
  const took = seconds(performance.now() - started);
  if (options.keepWorkDir) {
    log.info(`work dir kept: ${workDir}`);
  } else {
    await removeTree(join(workDir, "tmp"));
    await removeTree(join(workDir, "home"));
    const keepsDroplet = result.dropletPath !== undefined &&
      dirname(result.dropletPath) === workDir;
    if (!keepsDroplet) await removeTree(workDir);
  }
  if (result.exitCode === 0) {
    log.info(`staging succeeded in ${took} (exit code 0); droplet: ${result.dropletPath}`);
  } else {
    log.info(`staging failed with exit code ${result.exitCode} after ${took}`);
  }
  return { ...result, log: log.text };
}

/** One staging run. */
class Builder {
  #options: StageOptions;
  #log: StageLog;
  #workDir: string;
  #deadline = 0;
  #layout!: Layout;
  #env: Record<string, string> = {};

  constructor(options: StageOptions, log: StageLog, workDir: string) {
    this.#options = options;
    this.#log = log;
    this.#workDir = workDir;
  }

  async run(): Promise<StageResult> {
    const options = this.#options;
    this.#deadline = Date.now() + (options.timeoutMs ?? STAGING_TIMEOUT_MS);
    const appDir = resolve(options.appDir);
    if (!(await Deno.stat(appDir).catch(() => undefined))?.isDirectory) {
      throw new StagingFailure(EXIT.system, `app directory ${options.appDir} not found`);
    }
    const sources = options.buildpacks.length ? options.buildpacks : [DEFAULT_BUILDPACK];
    const detect = options.detect ?? options.buildpacks.length === 0;
    const layout = this.#layout = await createLayout(this.#workDir);
    this.#log.info(`staging ${appDir} in ${layout.root}`);

    await copyTree(appDir, layout.buildDir, { exclude: excludeFromApp });
    const buildpacks = await prepareBuildpacks(sources, layout.buildpacksDir, {
      manifest: options.manifest,
      manifestFor: sources.length - 1,
    });
    this.#log.info(
      `buildpacks (${detect ? "detect" : "no detect"}): ${buildpacks.map((b) => b.key).join(", ")}`,
    );
    const supply = detect ? [] : buildpacks.slice(0, -1);
    await this.#prepareCache(supply);
    const count = supply.length + 1;
    for (let i = 0; i < count; i++) {
      await Deno.mkdir(join(layout.depsDir, depsIndex(i, count)), { recursive: true });
    }
    this.#env = this.#stagingEnv(appDir);

    let final: Buildpack;
    let detectOutput = "";
    if (detect) {
      [final, detectOutput] = await this.#detect(buildpacks);
    } else {
      await this.#runSupplies(supply, count);
      final = buildpacks[buildpacks.length - 1];
      if (!final.dir) {
        throw new StagingFailure(
          EXIT.supply,
          `${MESSAGES.supplyFail}: malformed buildpack does not contain a /bin dir: ${final.key}`,
        );
      }
    }
    const finalIdx = depsIndex(supply.length, count);
    await this.#finalize(final, { idx: finalIdx, multi: supply.length > 0 });

    const processes = await this.#processTypes(final, { supply, count, finalIdx });
    const merged = toProcessResult(processes);
    const web = merged.processTypes.web ?? "";
    if (!web) {
      this.#log.info(MESSAGES.noWeb);
      this.#log.info(MESSAGES.noWebHint);
    }
    const metadata = await this.#buildpackMetadata(detect ? [final] : buildpacks, count);
    if (detect && !metadata[0].name) metadata[0].name = detectOutput;
    if (options.startCommand !== undefined) {
      this.#log.info(`start command from --start-command (cf push -c): ${options.startCommand}`);
    }
    const { stagingInfo, result } = stagingOutputs(merged, metadata, {
      startCommand: options.startCommand,
    });
    this.#log.info(
      `detected buildpack: ${stagingInfo.detected_buildpack || "(no name)"}; ` +
        `start command: ${stagingInfo.start_command || "(none)"}`,
    );
    await Deno.writeTextFile(
      join(layout.contentsDir, "staging_info.yml"),
      JSON.stringify(stagingInfo) + "\n",
    );
    await Deno.writeTextFile(join(this.#workDir, "result.json"), JSON.stringify(result) + "\n");

    for (const name of ["tmp", "logs"]) await Deno.mkdir(join(layout.contentsDir, name));
    await Deno.rename(layout.buildDir, join(layout.contentsDir, "app"));
    const dropletPath = resolve(options.dropletPath ?? join(this.#workDir, "droplet.tgz"));
    await packDir(layout.contentsDir, dropletPath);
    if (options.cacheDir !== undefined) {
      const file = join(resolve(options.cacheDir), CACHE_FILE);
      await packDir(layout.cacheDir, file);
      this.#log.info(`app cache saved to ${file}`);
    }
    return { exitCode: 0, log: "", dropletPath, stagingInfo, result, workDir: this.#workDir };
  }

  /** Restore `app-cache.tgz`, create `final/` and the supply dirs, prune the rest. */
  async #prepareCache(supply: Buildpack[]): Promise<void> {
    const cacheDir = this.#layout.cacheDir;
    if (this.#options.cacheDir !== undefined) {
      const file = join(resolve(this.#options.cacheDir), CACHE_FILE);
      if (await exists(file)) {
        await unpackInto(file, cacheDir);
        this.#log.info(`app cache restored from ${file}`);
      } else {
        this.#log.info(`no app cache at ${file} yet`);
      }
    }
    const keep = supply.map((bp) => supplyCacheName(bp.key));
    for (const name of ["final", ...keep]) {
      await Deno.mkdir(join(cacheDir, name), { recursive: true });
    }
    const removed = await pruneCache(cacheDir, keep);
    if (removed.length) this.#log.info(`app cache pruned: ${removed.join(", ")}`);
  }

  #stagingEnv(appDir: string): Record<string, string> {
    const home = Deno.env.get("HOME");
    const app: AppIdentity = {
      name: this.#options.appName ?? basename(appDir),
      guid: crypto.randomUUID(),
    };
    return stagingEnv({
      app,
      home: this.#layout.home,
      stack: this.#options.stack,
      denoBinDir: dirname(Deno.execPath()),
      denoDir: Deno.env.get("DENO_DIR") || (home ? join(home, ".cache", "deno") : undefined),
      userEnv: this.#options.env,
    });
  }

  /** A staging path as the buildpack would see it on the platform (for log lines). */
  #display(path: string): string {
    return path.startsWith(this.#layout.root + "/") ? path.slice(this.#layout.root.length) : path;
  }

  /** Run `bin/<phase>` of a buildpack; fail with `failCode` if it wrote into its own dir. */
  async #run(bp: Buildpack, step: Step): Promise<RunScriptResult> {
    const { phase, args } = step;
    const remaining = this.#deadline - Date.now();
    if (remaining <= 0) throw new StagingFailure(EXIT.system, "staging timed out");
    const shown = [`bin/${phase}`, ...args.map((a) => this.#display(a))].join(" ");
    this.#log.info(`${bp.label}: ${shown}`);
    const started = performance.now();
    const result = await runScript(join(bp.dir!, "bin", phase), args, {
      cwd: this.#layout.home,
      env: this.#env,
      onLine: (line) => this.#log.line(line),
      captureStdout: step.capture,
      timeoutMs: remaining,
    });
    if (result.timedOut) {
      throw new StagingFailure(EXIT.system, `staging timed out during bin/${phase} of ${bp.key}`);
    }
    const writes = await findWrites(bp);
    if (writes) {
      throw new StagingFailure(
        step.failCode,
        `buildpack ${bp.key} wrote into its own directory during bin/${phase}; ` +
          `buildpacks are mounted read-only on the platform (${writes})`,
      );
    }
    this.#log.info(
      `${bp.label}: bin/${phase} ${result.status} (${seconds(performance.now() - started)})`,
    );
    return result;
  }

  /** Detect: the first buildpack whose bin/detect exits 0 wins. */
  async #detect(buildpacks: Buildpack[]): Promise<[Buildpack, string]> {
    for (const bp of buildpacks) {
      if (!bp.dir) {
        this.#log.info(`malformed buildpack does not contain a /bin dir: ${bp.key}`);
        continue;
      }
      const mode = (await Deno.stat(join(bp.dir, "bin", "detect")).catch(() => undefined))?.mode;
      if (mode === undefined || mode === null || (mode & 0o111) === 0) {
        this.#log.info(`buildpack ${bp.key}: bin/detect is missing or not executable`);
        continue;
      }
      const r = await this.#run(bp, {
        phase: "detect",
        args: [this.#layout.buildDir],
        failCode: EXIT.detect,
        capture: true,
      });
      if (r.code === 0) {
        const output = r.stdout.replace(/[\r\n]+$/, "");
        this.#log.info(`detected ${bp.key}${output ? ` (${output})` : ""}`);
        return [bp, output];
      }
    }
    throw new StagingFailure(EXIT.detect, MESSAGES.detectFail);
  }

  /** Non-final buildpacks: `bin/supply BUILD CACHE/<xxh64> DEPS IDX`. */
  async #runSupplies(supply: Buildpack[], count: number): Promise<void> {
    for (const bp of supply) {
      if (!bp.dir) {
        throw new StagingFailure(
          EXIT.supply,
          `${MESSAGES.supplyFail}: malformed buildpack does not contain a /bin dir: ${bp.key}`,
        );
      }
      if (!(await exists(join(bp.dir, "bin", "supply")))) {
        throw new StagingFailure(EXIT.supply, MESSAGES.noSupplyScript);
      }
    }
    const { buildDir, cacheDir, depsDir } = this.#layout;
    for (const [i, bp] of supply.entries()) {
      const args = [
        buildDir,
        join(cacheDir, supplyCacheName(bp.key)),
        depsDir,
        depsIndex(i, count),
      ];
      const r = await this.#run(bp, { phase: "supply", args, failCode: EXIT.supply });
      if (r.code !== 0) {
        throw new StagingFailure(EXIT.supply, `${MESSAGES.supplyFail}: ${r.status}`);
      }
    }
  }

  /** The final buildpack: supply + finalize, or legacy compile. */
  async #finalize(bp: Buildpack, options: { idx: string; multi: boolean }): Promise<void> {
    const { idx, multi } = options;
    const { buildDir, cacheDir, depsDir, profileDir } = this.#layout;
    const finalCache = join(cacheDir, "final");
    const fail = (what: string) =>
      new StagingFailure(EXIT.compile, `${MESSAGES.compileFail}: ${what}`);
    if (await exists(join(bp.dir!, "bin", "finalize"))) {
      if (await exists(join(bp.dir!, "bin", "supply"))) {
        const args = [buildDir, finalCache, depsDir, idx];
        const r = await this.#run(bp, { phase: "supply", args, failCode: EXIT.compile });
        if (r.code !== 0) throw fail(`${MESSAGES.supplyFail}: ${r.status}`);
      }
      const args = [buildDir, finalCache, depsDir, idx, profileDir];
      const r = await this.#run(bp, { phase: "finalize", args, failCode: EXIT.compile });
      if (r.code !== 0) throw fail(`${MESSAGES.finalizeFail}: ${r.status}`);
      return;
    }
    if (multi) this.#log.info(MESSAGES.missingFinalize);
    await Deno.remove(join(depsDir, idx), { recursive: true });
    const args = [buildDir, finalCache];
    const r = await this.#run(bp, { phase: "compile", args, failCode: EXIT.compile });
    if (r.code !== 0) throw fail(r.status);
  }

  async #readLaunchYml(idx: string): Promise<Process[] | undefined> {
    const file = join(this.#layout.depsDir, idx, "launch.yml");
    if (!(await exists(file))) return undefined;
    try {
      return parseLaunchYml(await Deno.readTextFile(file));
    } catch (e) {
      throw new StagingFailure(EXIT.system, `deps/${idx}/launch.yml: ${(e as Error).message}`);
    }
  }

  /** launch.yml of supply buildpacks, then the final's launch.yml or release, then Procfile. */
  async #processTypes(
    final: Buildpack,
    options: { supply: Buildpack[]; count: number; finalIdx: string },
  ): Promise<Process[]> {
    const { supply, count, finalIdx } = options;
    let processes: Process[] = [];
    for (let i = 0; i < supply.length; i++) {
      processes = mergeProcesses(processes, (await this.#readLaunchYml(depsIndex(i, count))) ?? []);
    }
    const finalLaunch = await this.#readLaunchYml(finalIdx);
    if (finalLaunch) {
      processes = mergeProcesses(processes, finalLaunch);
    } else {
      const r = await this.#run(final, {
        phase: "release",
        args: [this.#layout.buildDir],
        failCode: EXIT.release,
        capture: true,
      });
      if (r.code !== 0) {
        throw new StagingFailure(EXIT.release, `${MESSAGES.releaseFail}: ${r.status}`);
      }
      let types: Record<string, string>;
      try {
        types = parseRelease(r.stdout);
      } catch (e) {
        throw new StagingFailure(
          EXIT.release,
          `${MESSAGES.releaseFail}: buildpack's release output invalid: ${(e as Error).message}`,
        );
      }
      processes = mergeProcesses(processes, processesFromMap(types));
    }
    const procfile = join(this.#layout.buildDir, "Procfile");
    if (await exists(procfile)) {
      let types: Record<string, string>;
      try {
        types = parseProcfile(await Deno.readTextFile(procfile));
      } catch (e) {
        throw new StagingFailure(
          EXIT.system,
          `Failed to read command from Procfile: ${(e as Error).message}`,
        );
      }
      processes = mergeProcesses(processes, processesFromMap(types));
    }
    return processes;
  }

  /** `{key, name, version}` from each buildpack's `deps/<IDX>/config.yml`. */
  async #buildpackMetadata(
    buildpacks: Buildpack[],
    count: number,
  ): Promise<BuildpackMetadata[]> {
    const out = [];
    for (const [i, bp] of buildpacks.entries()) {
      const entry: BuildpackMetadata = { key: bp.key, name: "" };
      try {
        const text = await Deno.readTextFile(
          join(this.#layout.depsDir, depsIndex(i, count), "config.yml"),
        );
        const config = parse(text) as { name?: unknown; version?: unknown } | null;
        if (typeof config?.name === "string") entry.name = config.name;
        if (config?.version !== undefined && config.version !== null && config.version !== "") {
          entry.version = String(config.version);
        }
      } catch { /* no or bad config.yml: name stays empty, as the builder does */ }
      out.push(entry);
    }
    return out;
  }
}
