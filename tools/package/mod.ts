/**
 * `deno task package`: builds the release zip of the buildpack.
 *
 * ```sh
 * deno task package --stack cflinuxfs4|any [--cached] [--version V] [--out FILE]
 *   [--binary PATH] [--dependency-dir DIR] [--download-cache DIR] [--bytecode all|default|none]
 * ```
 *
 * The zip holds `bin/buildpack` (compiled, or `--binary`), `bin/<phase>`
 * symlinks to it, the manifest rewritten for the stack, `sbom.cdx.json` and
 * the manifest's other `include_files`; `--cached` adds every dependency of
 * the stack under `dependencies/`; for each runtime shipped without bytecode
 * (every one of a cached zip, each stack's default one of an online zip, or
 * those `--bytecode` names) the `.pyc` files of what pip imports, compiled
 * by that runtime (`bytecode_archive.ts`). Entries are sorted, timestamped from
 * `SOURCE_DATE_EPOCH` or the last commit, with fixed modes: the same inputs
 * give the same bytes. Progress goes to stderr; the zip's path, size and
 * sha256 to stdout.
 * @module
 */
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  BuildpackError,
  packageBinaryInvalid,
  packageBytecodeRuntimeUnavailable,
  packageIncludeFileMissing,
} from "../../lib/errors.ts";
import { sha256File } from "../../lib/deps/download.ts";
import { type PackageOptions, parsePackageArgs, zipName } from "./cli.ts";
import { denoDir, type DenortSource, reachable, resolveDenort, TARGET } from "./denort.ts";
import { sourceDate } from "./source_date.ts";
import { ANY_STACK, manifestForStack, withAddedDependencies } from "./manifest_for_stack.ts";
import {
  buildBytecodeArchive,
  type BytecodeArchive,
  runtimesToCompile,
} from "./bytecode_archive.ts";
import { type Dependency, MANIFEST_PARSED } from "../../lib/manifest.ts";
import { parsedManifestText } from "../../lib/manifest_yaml.ts";
import {
  type BundledDependency,
  bundledEntry,
  bundleDependencies,
  defaultDownloadCache,
} from "./dependencies.ts";
import { buildpackSbom, lockIntegrity, npmGraph } from "./buildpack_sbom.ts";
import { compileBuildpack } from "./compile.ts";
import { EXEC_MODE, FILE_MODE, ZipWriter } from "./zip.ts";
import { byCodeUnit } from "../../lib/compare.ts";

/** The repo this packager belongs to. */
export const REPO: string = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

const USAGE = `Usage: deno task package --stack STACK|any [options]

Builds python_buildpack[-cached][-STACK]-vVERSION.zip in the working directory.

  --stack S             cflinuxfs4, cflinuxfs5, ... (only that stack's dependencies), or any
  --cached              bundle every dependency of the stack (offline buildpack)
  --version V           buildpack version (default: the VERSION file)
  --out FILE            where to write the zip
  --binary PATH         package this executable as bin/buildpack instead of compiling
  --dependency-dir DIR  take the dependencies the zip bundles or compiles from DIR (by basename
                        or <md5 of uri>/basename); nothing is downloaded
  --download-cache DIR  keep downloads here between runs
                        (default: \${XDG_CACHE_HOME:-~/.cache}/python-buildpack/dependencies)
  --bytecode WHICH      all, default or none: for which runtimes without bytecode the zip
                        carries the bytecode of what pip imports, compiled by running them here
                        (default: all for --cached, default otherwise; default = the runtime
                        default_versions picks, fetched like a cached zip's dependencies;
                        none: no runtime is fetched or run here)

Environment: SOURCE_DATE_EPOCH (the entries' timestamp; default: the last commit's date),
DENORT_BIN (denort for deno compile; or seed \$DENO_DIR/dl/release/v<deno>/denort-<target>.zip).`;

/** The zip's buildpack-generated and copied entries (not yet dependencies). */
interface Entry {
  name: string;
  kind: "file" | "bytes" | "symlink";
  path?: string;
  bytes?: Uint8Array;
  target?: string;
  mode?: number;
}

const GENERATED = new Set(["manifest.yml", MANIFEST_PARSED, "sbom.cdx.json", "bin/buildpack"]);

/** The manifest's include_files that are copied from the repo, as zip entries, sorted. */
async function includedEntries(repo: string, includeFiles: string[]): Promise<Entry[]> {
  const entries: Entry[] = [];
  const visit = async (rel: string, listed: string) => {
    const path = join(repo, rel);
    let info: Deno.FileInfo;
    try {
      info = await Deno.lstat(path);
    } catch {
      throw packageIncludeFileMissing(join(repo, "manifest.yml"), listed);
    }
    if (info.isSymlink) {
      entries.push({ name: rel, kind: "symlink", target: await Deno.readLink(path) });
    } else if (info.isDirectory) {
      for await (const e of Deno.readDir(path)) await visit(`${rel}/${e.name}`, listed);
    } else {
      const mode = ((info.mode ?? 0) & 0o111) ? EXEC_MODE : FILE_MODE;
      entries.push({ name: rel, kind: "file", path, mode });
    }
  };
  for (const raw of includeFiles) {
    const rel = raw.replace(/^\.\//, "").replace(/\/+$/, "");
    if (rel.startsWith("/") || rel.split("/").includes("..")) {
      throw packageIncludeFileMissing(join(repo, "manifest.yml"), raw);
    }
    if (!GENERATED.has(rel)) await visit(rel, raw);
  }
  return entries;
}

/**
 * An online zip's runtimes to compile, fetched as a cached zip's dependencies
 * are (only their bytecode is bundled); a failure names `--bytecode none`.
 */
async function fetchRuntimes(
  runtimes: Dependency[],
  options: { dependencyDir?: string; downloadCache: string; log: (line: string) => void },
): Promise<BundledDependency[]> {
  const fetched: BundledDependency[] = [];
  for (const runtime of runtimes) {
    try {
      fetched.push(...await bundleDependencies([runtime], options));
    } catch (err) {
      if (!(err instanceof BuildpackError)) throw err;
      throw packageBytecodeRuntimeUnavailable(`python ${runtime.version}`, err.message);
    }
  }
  return fetched;
}

/** The bytecode archives of those runtimes that ship without bytecode, built in turn. */
async function bytecodeArchives(
  runtimes: BundledDependency[],
  options: { buildDir: string; stack: string; epoch: number; log: (line: string) => void },
): Promise<BytecodeArchive[]> {
  const archives: BytecodeArchive[] = [];
  for (const { dependency, path } of runtimes) {
    const archive = await buildBytecodeArchive(dependency, path, {
      workDir: options.buildDir,
      stacks: options.stack === ANY_STACK ? dependency.cfStacks : [options.stack],
      epoch: options.epoch,
      log: options.log,
    });
    if (archive) archives.push(archive);
  }
  return archives;
}

async function checkBinary(path: string): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch {
    throw packageBinaryInvalid(path, "does not exist");
  }
  if (!info.isFile) throw packageBinaryInvalid(path, "is not a file");
  if (((info.mode ?? 0) & 0o111) === 0) throw packageBinaryInvalid(path, "is not executable");
}

/** Build the zip; resolves with its path. */
export async function packageBuildpack(
  options: PackageOptions,
  context: { repo: string; env: Record<string, string | undefined>; log: (l: string) => void },
): Promise<{ path: string; size: number; sha256: string }> {
  const { repo, env, log } = context;
  // 1. denort first: a machine that cannot compile fails before any work.
  let denort: DenortSource | undefined;
  if (options.binary === undefined) {
    denort = await resolveDenort({
      env,
      denoVersion: Deno.version.deno,
      target: TARGET,
      denoDir: await denoDir(env),
      probe: (url) => reachable(url),
    });
    log(`denort: ${denort.kind === "download" ? denort.url : denort.path}`);
  } else {
    await checkBinary(options.binary);
  }
  const { epoch, from } = await sourceDate(repo, env);
  log(`timestamp ${new Date(epoch * 1000).toISOString()} (from ${from})`);
  const version = options.version ?? (await Deno.readTextFile(join(repo, "VERSION"))).trim();
  const manifestFile = join(repo, "manifest.yml");
  const manifestText = await Deno.readTextFile(manifestFile);
  let stackManifest = manifestForStack(manifestText, {
    file: manifestFile,
    stack: options.stack,
    ...(options.cached ? { fileFor: bundledEntry } : {}),
  });
  const included = await includedEntries(repo, stackManifest.manifest.includeFiles);
  const out = resolve(
    options.out ?? join(env.INIT_CWD || Deno.cwd(), zipName({ ...options, version })),
  );
  await Deno.mkdir(dirname(out), { recursive: true });

  const bundled = options.cached
    ? await bundleDependencies(stackManifest.dependencies, {
      ...(options.dependencyDir !== undefined ? { dependencyDir: options.dependencyDir } : {}),
      downloadCache: options.downloadCache ?? defaultDownloadCache(env),
      log,
    })
    : [];

  const buildDir = await Deno.makeTempDir({ prefix: "package-" });
  try {
    // Cached zips have their runtimes at hand; others fetch those they compile.
    const toCompile = runtimesToCompile(
      stackManifest.manifest,
      options.bytecode ?? (options.cached ? "all" : "default"),
      options.stack,
    );
    const runtimes = options.cached
      ? bundled.filter((b) => toCompile.includes(b.dependency))
      : await fetchRuntimes(toCompile, {
        ...(options.dependencyDir !== undefined ? { dependencyDir: options.dependencyDir } : {}),
        downloadCache: options.downloadCache ?? defaultDownloadCache(env),
        log,
      });
    const archives = await bytecodeArchives(runtimes, {
      buildDir,
      stack: options.stack,
      epoch,
      log,
    });
    stackManifest = withAddedDependencies(
      stackManifest,
      archives.map((a) => a.dependency),
      manifestFile,
    );
    let binary = options.binary;
    if (binary === undefined) {
      binary = join(buildDir, "buildpack");
      await compileBuildpack({
        repo,
        buildDir,
        output: binary,
        target: TARGET,
        epoch,
        denort: denort!,
        log,
      });
    }
    const sbom = buildpackSbom({
      version,
      stack: options.stack,
      epoch,
      binary: {
        sha256: await sha256File(binary),
        ...(options.binary === undefined
          ? { compiledWith: Deno.version.deno, target: TARGET }
          : {}),
      },
      npm: await npmGraph(join(repo, "mod.ts"), join(repo, "deno.json")),
      lockIntegrity: lockIntegrity(await Deno.readTextFile(join(repo, "deno.lock"))),
      dependencies: stackManifest.dependencies,
    });
    const encode = (text: string) => new TextEncoder().encode(text);
    const entries: Entry[] = [
      ...included,
      { name: "bin/buildpack", kind: "file", path: binary, mode: EXEC_MODE },
      { name: "manifest.yml", kind: "bytes", bytes: encode(stackManifest.text) },
      {
        name: MANIFEST_PARSED,
        kind: "bytes",
        bytes: encode(await parsedManifestText(stackManifest.text, manifestFile)),
      },
      { name: "sbom.cdx.json", kind: "bytes", bytes: encode(JSON.stringify(sbom, null, 2) + "\n") },
      ...(options.version !== undefined
        ? [{ name: "VERSION", kind: "bytes" as const, bytes: encode(version + "\n") }]
        : []),
      ...bundled.map((b): Entry => ({
        name: b.entry,
        kind: "file",
        path: b.path,
        mode: FILE_MODE,
      })),
      ...archives.map((a): Entry => ({
        name: a.dependency.file!,
        kind: "file",
        path: a.path,
        mode: FILE_MODE,
      })),
    ];
    // One entry per name (a generated VERSION replaces the file), sorted bytewise.
    const byName = new Map(entries.map((e) => [e.name, e]));
    const names = [...byName.keys()].sort(byCodeUnit);
    const partial = `${out}.partial`;
    const zip = await ZipWriter.create(partial, epoch);
    try {
      for (const name of names) {
        const e = byName.get(name)!;
        if (e.kind === "symlink") await zip.addSymlink(name, e.target!);
        else if (e.kind === "bytes") await zip.addBytes(name, e.bytes!, e.mode ?? FILE_MODE);
        else await zip.addFile(name, e.path!, e.mode ?? FILE_MODE);
      }
    } catch (err) {
      zip.abort();
      await Deno.remove(partial).catch(() => {});
      throw err;
    }
    const size = await zip.close();
    await Deno.rename(partial, out);
    return { path: out, size, sha256: await sha256File(out) };
  } finally {
    await Deno.remove(buildDir, { recursive: true }).catch(() => {});
  }
}

/** Run the CLI; resolves with the exit code. */
export async function main(args: string[]): Promise<number> {
  const log = (line: string) => console.error(`package: ${line}`);
  try {
    const options = parsePackageArgs(args);
    if (options === "help") {
      console.log(USAGE);
      return 0;
    }
    // `deno task` runs in the repo; relative paths mean the caller's directory.
    const cwd = Deno.env.get("INIT_CWD") || Deno.cwd();
    for (const key of ["out", "binary", "dependencyDir", "downloadCache"] as const) {
      if (options[key] !== undefined) options[key] = resolve(cwd, options[key]);
    }
    const result = await packageBuildpack(options, { repo: REPO, env: Deno.env.toObject(), log });
    const mib = (result.size / 1024 / 1024).toFixed(1);
    console.log(`${result.path}\n  ${result.size} bytes (${mib} MiB)\n  sha256 ${result.sha256}`);
    log(`wrote ${basename(result.path)}`);
    return 0;
  } catch (err) {
    if (err instanceof BuildpackError) {
      console.error(err.message);
      return err.exitCode;
    }
    throw err;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
