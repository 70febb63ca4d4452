/**
 * The I/O steps that turn an installed CPython prefix into a relocatable
 * Cloud Foundry python dependency tarball: inspect, stage (copy the selected
 * files), relocate (RUNPATH, shebangs, pkg-config), compile bytecode, pack,
 * verify. {@link buildPythonDependency} runs them all.
 *
 * The decisions live in pure modules: select_files.ts (what to keep),
 * relocate.ts (how to rewrite), elf_runpath.ts (ELF parsing),
 * manifest_entry.ts (names and YAML).
 * @module
 */
import { createHash } from "node:crypto";
import { dirname, join, posix, relative, resolve } from "node:path";
import { BuildpackError } from "../../lib/errors.ts";
import { Logger, MemorySink } from "../../lib/log.ts";
import {
  absoluteRunpathEntries,
  isInside,
  pycMode,
  relocatePkgConfig,
  relocateRunpath,
  rewriteShebang,
} from "./relocate.ts";
import {
  ElfError,
  isElf,
  readRunpathsFile,
  removeRunpathFile,
  rewriteRunpathFile,
} from "./elf_runpath.ts";
import { librariesToBundle, multiarch, parseLdd, tarballDirs } from "./cf_layout.ts";
import { type EntryKind, keptSitePackages, type PrefixLayout, selectPath } from "./select_files.ts";
import { DEFAULT_STACK, fileUri, type ManifestEntry, tarballName } from "./manifest_entry.ts";

/** What {@link inspectPrefix} learned about a CPython prefix. */
export interface PrefixInfo {
  /** The prefix as given, absolute. */
  prefix: string;
  /** Its real path (symlinks resolved); binaries carry this one. */
  realPrefix: string;
  /** Full version, `3.11.7`. */
  version: string;
  /** Where the stdlib, site-packages and kept packages are. */
  layout: PrefixLayout;
  /** The versioned interpreter's file name, `python3.11`. */
  interpreter: string;
}

/** Counts from {@link stagePrefix}. */
export interface StageStats {
  /** Regular files copied. */
  files: number;
  /** Symlinks recreated. */
  symlinks: number;
  /** Bytes copied. */
  bytes: number;
}

/** What {@link relocateStage} changed. */
export interface RelocateStats {
  /** ELF files whose RUNPATH/RPATH was rewritten, with old and new values. */
  runpaths: { path: string; from: string; to: string }[];
  /** Scripts whose shebang now reads `#!/usr/bin/env python3`. */
  shebangs: string[];
  /** pkg-config files made relative. */
  pkgconfig: string[];
  /** Symlinks created (`bin/python`). */
  created: string[];
  /** ELF files that keep an absolute search path outside the prefix (not relocatable). */
  foreignRunpaths: { path: string; value: string }[];
  /** With `cfLayout`: ELF files whose search path was removed, with the old value. */
  removedRunpaths: { path: string; value: string }[];
}

/** Counts from {@link compileBytecode}. */
export interface BytecodeStats {
  /** `.py` files in the staged stdlib directory. */
  sources: number;
  /** `.pyc` files written, all unchecked-hash. */
  pycs: number;
}

/** A packed tarball. */
export interface Packed {
  /** Absolute path of the tarball. */
  path: string;
  /** Its sha256, hex. */
  sha256: string;
  /** Its size in bytes. */
  size: number;
}

/** What {@link verifyTarball} measured on an extracted copy. */
export interface Verified {
  /** `sys.version` of the extracted interpreter. */
  sysVersion: string;
  /** OpenSSL the `ssl` module is linked with. */
  openssl: string;
  /** Seconds of the first `python -m pip --version` of the fresh copy. */
  pipVersionSeconds: number;
  /** Its output. */
  pipVersion: string;
  /** `.pyc` files Python had to write during the checks (0 when all bytecode was shipped). */
  pycsWritten: number;
}

/** A finished dependency. */
export interface BuiltDependency extends Packed {
  /** `3.11.7` */
  version: string;
  /** `file://` URI of the tarball. */
  uri: string;
  /** Its manifest entry. */
  entry: ManifestEntry;
  /** Seconds per step, in order. */
  timings: Record<string, number>;
  /** Results of the verification. */
  verified: Verified;
}

/** Options of {@link buildPythonDependency}. */
export interface BuildOptions {
  /** The installed CPython prefix (`pyenv prefix 3.11.7`). */
  prefix: string;
  /** The version the prefix must report. */
  version: string;
  /** Directory the tarball is written to (created when missing). */
  outDir: string;
  /** Stacks for the file name and `cf_stacks`; default `[cflinuxfs4]`. */
  stacks?: string[];
  /** mtime of every tar entry; default `$SOURCE_DATE_EPOCH` or 0. */
  sourceDateEpoch?: number;
  /**
   * Strip DWARF debug sections from the binaries (default true; skipped with
   * a warning when binutils' `strip` is missing).
   */
  stripDebug?: boolean;
  /** Progress lines; default silent. */
  log?: Logger;
  /**
   * Shape the runtime like the official Cloud Foundry tarballs: RUNPATHs
   * removed (not made `$ORIGIN`-relative), so it works only with the
   * buildpack's `LD_LIBRARY_PATH`, and `_tkinter`'s Tcl/Tk libraries in
   * `usr/lib/<multiarch>/`.
   */
  cfLayout?: boolean;
  /**
   * Compile the standard library into unchecked-hash `.pyc` files (default
   * true). Without, the tarball ships no bytecode, as the official ones do.
   */
  bytecode?: boolean;
}

const VERSION_RE = /^\d+\.\d+\.\d+((a|b|rc)\d+)?$/;

function fail(message: string, cause?: unknown): BuildpackError {
  return new BuildpackError(message, { cause });
}

function silentLogger(): Logger {
  return new Logger(new MemorySink());
}

/** The environment a packaged python runs with: no PYTHON* variables, our lib/ first. */
function pythonEnv(libDir: string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(Deno.env.toObject())) {
    if (k.startsWith("PYTHON") || k === "LD_LIBRARY_PATH" || k === "LD_PRELOAD") continue;
    env[k] = v;
  }
  env.PYTHONNOUSERSITE = "1"; // ~/.local must not leak into builds or checks
  if (libDir !== undefined) env.LD_LIBRARY_PATH = libDir;
  return env;
}

interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  seconds: number;
}

async function run(
  program: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<RunResult> {
  const started = performance.now();
  let output: Deno.CommandOutput;
  try {
    output = await new Deno.Command(program, {
      args,
      env: options.env,
      clearEnv: options.env !== undefined,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (e) {
    throw fail(`Cannot run ${program}: ${e instanceof Error ? e.message : e}`, e);
  }
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    seconds: (performance.now() - started) / 1000,
  };
}

async function lstatOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

const PROBE = `
import json, platform, sys, sysconfig
print(json.dumps({
  "implementation": sys.implementation.name,
  "version": platform.python_version(),
  "prefix": sys.prefix,
  "stdlib": sysconfig.get_path("stdlib"),
  "purelib": sysconfig.get_path("purelib"),
}))
`;

/**
 * Check that `prefix` is an installed CPython of `version` and find its layout.
 * @throws BuildpackError when the prefix is missing, not CPython, or another version
 */
export async function inspectPrefix(prefix: string, version: string): Promise<PrefixInfo> {
  if (!VERSION_RE.test(version)) {
    throw fail(`--version '${version}' is not a CPython version like 3.11.7.`);
  }
  const abs = resolve(prefix);
  const info = await lstatOrUndefined(abs);
  if (info === undefined) {
    throw fail(
      `Python prefix ${abs} does not exist. Pass an installed CPython, e.g. $(pyenv prefix ${version}).`,
    );
  }
  const realPrefix = await Deno.realPath(abs);
  if (!(await Deno.stat(realPrefix)).isDirectory) {
    throw fail(`Python prefix ${abs} is not a directory.`);
  }
  const python3 = join(abs, "bin", "python3");
  if (!(await lstatOrUndefined(python3))) {
    throw fail(
      `${abs} is not a CPython prefix: it has no bin/python3. ` +
        `Pass an install prefix such as the output of \`pyenv prefix ${version}\`.`,
    );
  }
  const env = pythonEnv(join(abs, "lib"));
  const reported = await run(python3, ["--version"], { env });
  const said = /Python\s+(\S+)/.exec(reported.stdout + reported.stderr)?.[1];
  if (reported.code !== 0 || said === undefined) {
    throw fail(
      `${python3} --version failed (exit ${reported.code}): ${
        (reported.stderr || reported.stdout).trim()
      }`,
    );
  }
  if (said !== version) {
    throw fail(
      `Version mismatch: ${python3} --version says ${said}, but --version ${version} was asked for.`,
    );
  }
  const probe = await run(python3, ["-E", "-S", "-c", PROBE], { env });
  if (probe.code !== 0) throw fail(`Cannot inspect ${python3}: ${probe.stderr.trim()}`);
  const facts = JSON.parse(probe.stdout) as Record<string, string>;
  if (facts.implementation !== "cpython") {
    throw fail(`${abs} is not CPython (sys.implementation.name is '${facts.implementation}').`);
  }
  const stdlibAbs = await Deno.realPath(facts.stdlib);
  const purelibAbs = resolve(facts.purelib);
  if (!isInside(stdlibAbs, realPrefix)) {
    throw fail(`The stdlib of ${abs} is outside it (${stdlibAbs}): not a self-contained prefix.`);
  }
  const stdlib = relative(realPrefix, stdlibAbs);
  const sitePackages = isInside(purelibAbs, realPrefix)
    ? relative(realPrefix, purelibAbs)
    : posix.join(stdlib, "site-packages");
  const minor = version.split(".").slice(0, 2).join(".");
  if (Number(minor.split(".")[0]) < 3) throw fail("Only CPython 3 can be packaged.");

  const siteAbs = join(abs, sitePackages);
  const entries: string[] = [];
  try {
    for await (const e of Deno.readDir(siteAbs)) entries.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const records = new Map<string, string | undefined>();
  for (const name of entries.filter((n) => n.endsWith(".dist-info"))) {
    try {
      records.set(name, await Deno.readTextFile(join(siteAbs, name, "RECORD")));
    } catch {
      records.set(name, undefined);
    }
  }
  const interpreter = posix.basename(stdlib); // python3.11 (python3.13t when free-threaded)
  return {
    prefix: abs,
    realPrefix,
    version,
    interpreter,
    layout: {
      minor,
      stdlib,
      sitePackages,
      keepSitePackages: keptSitePackages(entries.sort(), (d) => records.get(d)),
    },
  };
}

/** The prefix spellings binaries and scripts may carry. */
function prefixesOf(info: PrefixInfo): string[] {
  return [...new Set([info.realPrefix, info.prefix])];
}

/**
 * Copy the selected files of the prefix into `stageDir` (which must exist).
 * Symlinks are recreated; an absolute link into the prefix becomes relative.
 * Dropped directories are not walked.
 */
export async function stagePrefix(info: PrefixInfo, stageDir: string): Promise<StageStats> {
  const stats: StageStats = { files: 0, symlinks: 0, bytes: 0 };
  const prefixes = prefixesOf(info);
  const walk = async (rel: string): Promise<void> => {
    const names: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(join(info.realPrefix, rel))) names.push(e);
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of names) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const kind: EntryKind = e.isSymlink ? "symlink" : e.isDirectory ? "dir" : "file";
      if (!selectPath(childRel, { kind, layout: info.layout }).keep) continue;
      const src = join(info.realPrefix, childRel);
      const dst = join(stageDir, childRel);
      if (kind === "dir") {
        await Deno.mkdir(dst, { mode: 0o755 });
        await walk(childRel);
      } else if (kind === "symlink") {
        let target = await Deno.readLink(src);
        if (target.startsWith("/")) {
          const root = prefixes.find((p) => isInside(target, p));
          if (root === undefined) {
            throw fail(
              `${src} links outside the prefix (${target}): the runtime would not be relocatable.`,
            );
          }
          target = relative(dirname(join(root, childRel)), target) || ".";
        }
        await Deno.symlink(target, dst);
        stats.symlinks++;
      } else if (e.isFile) {
        await Deno.copyFile(src, dst);
        const st = await Deno.stat(dst);
        if (st.mode !== null && (st.mode & 0o200) === 0) await Deno.chmod(dst, st.mode | 0o200);
        stats.files++;
        stats.bytes += st.size;
      }
      // sockets, fifos, devices: never part of a runtime
    }
  };
  await walk("");
  for (const top of ["bin", "lib", "include"]) {
    if (!(await lstatOrUndefined(join(stageDir, top)))) {
      throw fail(`${info.prefix} has no ${top}/ directory: not an installed CPython prefix.`);
    }
  }
  return stats;
}

async function* walkFiles(
  root: string,
  rel = "",
): AsyncGenerator<{ rel: string; info: Deno.DirEntry }> {
  const entries: Deno.DirEntry[] = [];
  for await (const e of Deno.readDir(join(root, rel))) entries.push(e);
  for (const e of entries) {
    const childRel = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory) yield* walkFiles(root, childRel);
    else yield { rel: childRel, info: e };
  }
}

async function readHead(path: string, length: number): Promise<Uint8Array> {
  const file = await Deno.open(path, { read: true });
  try {
    const buf = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const n = await file.read(buf.subarray(got));
      if (n === null) break;
      got += n;
    }
    return buf.subarray(0, got);
  } finally {
    file.close();
  }
}

/**
 * Make the staged copy independent of where it was built: `bin/python` link,
 * `$ORIGIN`-relative RUNPATHs (with `cfLayout`: none at all), `/usr/bin/env python3` shebangs,
 * `${pcfiledir}`-relative pkg-config files; dangling links are removed.
 * @throws BuildpackError when a RUNPATH cannot be rewritten in place
 */
export async function relocateStage(
  info: PrefixInfo,
  stageDir: string,
  options: { cfLayout?: boolean } = {},
): Promise<RelocateStats> {
  const stats: RelocateStats = {
    runpaths: [],
    shebangs: [],
    pkgconfig: [],
    created: [],
    foreignRunpaths: [],
    removedRunpaths: [],
  };
  const prefixes = prefixesOf(info);
  const bin = join(stageDir, "bin");
  if (!(await lstatOrUndefined(join(bin, info.interpreter)))) {
    throw fail(`${info.prefix} has no bin/${info.interpreter}.`);
  }
  for (const name of ["python3", "python"]) {
    if (!(await lstatOrUndefined(join(bin, name)))) {
      await Deno.symlink(info.interpreter, join(bin, name));
      stats.created.push(`bin/${name}`);
    }
  }

  for await (const { rel, info: entry } of walkFiles(stageDir)) {
    const path = join(stageDir, rel);
    if (entry.isSymlink) {
      try {
        const target = await Deno.realPath(path);
        if (!isInside(target, await Deno.realPath(stageDir))) throw new Error("outside");
      } catch {
        await Deno.remove(path); // points at something not packaged
      }
      continue;
    }
    if (!entry.isFile) continue;
    const head = await readHead(path, 4);
    if (isElf(head) && options.cfLayout) {
      let removed;
      try {
        removed = await removeRunpathFile(path);
      } catch (e) {
        if (e instanceof ElfError) {
          throw fail(`Cannot remove the RUNPATH of ${rel}: ${e.message}`, e);
        }
        throw e;
      }
      for (const r of removed) {
        stats.removedRunpaths.push({ path: rel, value: r.value });
        // A directory outside the prefix must then come from LD_LIBRARY_PATH.
        const outside = absoluteRunpathEntries(r.value)
          .filter((a) => !prefixes.some((p) => isInside(a, p)));
        if (outside.length) stats.foreignRunpaths.push({ path: rel, value: outside.join(":") });
      }
      continue;
    }
    if (isElf(head)) {
      let changes;
      try {
        changes = await rewriteRunpathFile(
          path,
          (value) => relocateRunpath(value, { file: rel, prefixes }),
        );
      } catch (e) {
        if (e instanceof ElfError) throw fail(`Cannot relocate ${rel}: ${e.message}`, e);
        throw e;
      }
      for (const c of changes) stats.runpaths.push({ path: rel, from: c.entry.value, to: c.value });
      for (const r of await readRunpathsFile(path)) {
        const abs = absoluteRunpathEntries(r.value);
        if (abs.some((a) => prefixes.some((p) => isInside(a, p)))) {
          throw fail(`${rel} still has ${r.tag} ${r.value} into the build prefix.`);
        }
        if (abs.length) stats.foreignRunpaths.push({ path: rel, value: r.value });
      }
      continue;
    }
    if (rel.startsWith("bin/") && head[0] === 0x23 && head[1] === 0x21) {
      const text = await Deno.readTextFile(path);
      const rewritten = rewriteShebang(text, prefixes);
      if (rewritten !== undefined) {
        await Deno.writeTextFile(path, rewritten);
        stats.shebangs.push(rel);
      }
    } else if (/^lib\/pkgconfig\/[^/]+\.pc$/.test(rel)) {
      const rewritten = relocatePkgConfig(await Deno.readTextFile(path), prefixes);
      if (rewritten !== undefined) {
        await Deno.writeTextFile(path, rewritten);
        stats.pkgconfig.push(rel);
      }
    }
  }
  stats.runpaths.sort((a, b) => (a.path < b.path ? -1 : 1));
  return stats;
}

/**
 * Copy the libraries `_tkinter` needs that the stack does not carry (Tcl and
 * Tk, see cf_layout.ts) into `usr/lib/<multiarch>/` of the stage, as the
 * official tarballs do. `ldd` resolves them the way the build machine's
 * loader does. Returns the copied sonames; none when the prefix has no
 * `_tkinter` (built without tk-dev).
 * @throws BuildpackError when `ldd` fails or a needed library is not found
 */
export async function bundleTkLibraries(info: PrefixInfo, stageDir: string): Promise<string[]> {
  const dynload = join(stageDir, info.layout.stdlib, "lib-dynload");
  let tkinter: string | undefined;
  try {
    for await (const e of Deno.readDir(dynload)) {
      if (/^_tkinter\..*so$/.test(e.name)) tkinter = join(dynload, e.name);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  if (tkinter === undefined) return [];
  const ldd = await run("ldd", [tkinter], { env: pythonEnv(join(stageDir, "lib")) });
  if (ldd.code !== 0) throw fail(`ldd ${tkinter} failed: ${(ldd.stderr || ldd.stdout).trim()}`);
  const missing = ldd.stdout.split("\n").filter((l) => l.includes("=> not found"));
  if (missing.length) {
    throw fail(`_tkinter needs libraries this machine does not have:\n${missing.join("\n")}`);
  }
  const libs = librariesToBundle(parseLdd(ldd.stdout));
  const dir = join(stageDir, "usr", "lib", multiarch(Deno.build.arch));
  await Deno.mkdir(dir, { recursive: true });
  for (const lib of libs) {
    // copyFile follows the symlink: the soname file is what the loader opens.
    await Deno.copyFile(lib.path, join(dir, lib.soname));
    await Deno.chmod(join(dir, lib.soname), 0o755);
  }
  return libs.map((l) => l.soname);
}

/** What {@link stripDebug} did. */
export interface StripStats {
  /** ELF files stripped. */
  files: number;
  /** Bytes saved. */
  saved: number;
}

async function elfFiles(root: string): Promise<string[]> {
  const found: string[] = [];
  for await (const { rel, info } of walkFiles(root)) {
    if (info.isFile && isElf(await readHead(join(root, rel), 4))) found.push(rel);
  }
  return found.sort();
}

async function totalSize(root: string, rels: string[]): Promise<number> {
  let n = 0;
  for (const rel of rels) n += (await Deno.stat(join(root, rel))).size;
  return n;
}

/**
 * Remove debug sections from every staged ELF file with `strip --strip-debug`
 * (symbols stay, so backtraces still name functions). pyenv builds carry
 * about 25 MB of DWARF that every staging would otherwise download and unpack.
 * @throws BuildpackError when `strip` fails
 */
export async function stripDebug(stageDir: string): Promise<StripStats> {
  const files = await elfFiles(stageDir);
  if (files.length === 0) return { files: 0, saved: 0 };
  const before = await totalSize(stageDir, files);
  const result = await run("strip", ["--strip-debug", ...files], { cwd: stageDir });
  if (result.code !== 0) throw fail(`strip --strip-debug failed: ${result.stderr.trim()}`);
  return { files: files.length, saved: before - (await totalSize(stageDir, files)) };
}

/** Whether a `strip` program is on PATH. */
export async function haveStrip(): Promise<boolean> {
  try {
    return (await run("strip", ["--version"])).code === 0;
  } catch {
    return false;
  }
}

/**
 * Precompile the staged stdlib, pip and setuptools with the staged
 * interpreter itself into unchecked-hash `.pyc` files (valid whatever the
 * mtimes after extraction), then check every `.pyc` is one.
 * @throws BuildpackError when compileall fails or a `.pyc` is not unchecked-hash
 */
export async function compileBytecode(info: PrefixInfo, stageDir: string): Promise<BytecodeStats> {
  const [major, minor] = info.version.split(".").map(Number);
  if (major === 3 && minor < 7) throw fail("Hash-based .pyc files need CPython 3.7 or newer.");
  const stdlib = join(stageDir, info.layout.stdlib);
  // -B: the interpreter's own imports (concurrent.futures for -j0, the .pth of
  // setuptools) must not leave timestamp .pyc files that compileall would then
  // take as up to date; -f rewrites anything already there.
  const args = ["-B", "-E", "-s", "-m", "compileall", "-q", "-f", "-j0"];
  args.push("--invalidation-mode", "unchecked-hash");
  // Record source paths relative to the runtime, not the temporary stage dir,
  // so the .pyc files (and the tarball) do not depend on where it was built.
  if (minor >= 9) args.push("-s", stageDir, "-p", "/");
  args.push(stdlib);
  const result = await run(join(stageDir, "bin", info.interpreter), args, {
    env: pythonEnv(join(stageDir, "lib")),
  });
  if (result.code !== 0) {
    throw fail(
      `Compiling bytecode failed (exit ${result.code}):\n${(result.stdout + result.stderr).trim()}`,
    );
  }
  const stats: BytecodeStats = { sources: 0, pycs: 0 };
  const wrong: string[] = [];
  for await (const { rel, info: entry } of walkFiles(stdlib)) {
    if (!entry.isFile) continue;
    if (rel.endsWith(".py")) stats.sources++;
    else if (rel.endsWith(".pyc")) {
      stats.pycs++;
      const mode = pycMode(await readHead(join(stdlib, rel), 16));
      if (mode !== "unchecked-hash") wrong.push(`${rel} (${mode})`);
    }
  }
  if (wrong.length) {
    throw fail(
      `${wrong.length} .pyc files are not unchecked-hash: ${wrong.slice(0, 5).join(", ")}`,
    );
  }
  return stats;
}

/**
 * Pack `bin/`, `include/` and `lib/` (or `options.dirs`) of `stageDir` into a deterministic .tgz
 * in `outDir` (GNU tar sorted by name, fixed mtime, root owner, `gzip -n`),
 * named after its sha256.
 */
export async function packTarball(
  stageDir: string,
  outDir: string,
  options: { version: string; stacks: string[]; sourceDateEpoch: number; dirs?: string[] },
): Promise<Packed> {
  await Deno.mkdir(outDir, { recursive: true });
  const outAbs = await Deno.realPath(outDir);
  const tmp = join(outAbs, `.python_${options.version}.${crypto.randomUUID()}.tmp`);
  const tar = new Deno.Command("tar", {
    args: [
      "--create",
      "--file=-",
      `--directory=${stageDir}`,
      "--format=gnu",
      "--sort=name",
      `--mtime=@${Math.trunc(options.sourceDateEpoch)}`,
      "--owner=0",
      "--group=0",
      "--numeric-owner",
      "--mode=u+rw,go-w,a+rX",
      ...(options.dirs ?? tarballDirs(false)),
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const gzip = new Deno.Command("gzip", {
    args: ["-n", "-c"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const hash = createHash("sha256");
  let size = 0;
  const out = await Deno.open(tmp, { write: true, create: true, truncate: true });
  try {
    const text = (s: ReadableStream<Uint8Array>) => new Response(s).text();
    const [, , tarStatus, gzipStatus, tarErr, gzipErr] = await Promise.all([
      tar.stdout.pipeTo(gzip.stdin),
      gzip.stdout.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, controller) {
            hash.update(chunk);
            size += chunk.length;
            controller.enqueue(chunk);
          },
        }),
      ).pipeTo(out.writable),
      tar.status,
      gzip.status,
      text(tar.stderr),
      text(gzip.stderr),
    ]);
    if (!tarStatus.success) throw fail(`tar failed: ${tarErr.trim()}`);
    if (!gzipStatus.success) throw fail(`gzip failed: ${gzipErr.trim()}`);
  } catch (e) {
    await Deno.remove(tmp).catch(() => {});
    throw e;
  }
  const sha256 = hash.digest("hex");
  const path = join(outAbs, tarballName(options.version, { stacks: options.stacks, sha256 }));
  await Deno.rename(tmp, path);
  return { path, sha256, size };
}

const VERIFY = `
import ctypes, json, os, platform, sqlite3, ssl, sys, zlib, bz2, lzma, hashlib, decimal
libs = set()
with open("/proc/self/maps") as f:
    for line in f:
        parts = line.split(None, 5)
        if len(parts) == 6 and parts[5].strip().startswith("/"):
            libs.add(parts[5].strip())
print(json.dumps({
  "version": platform.python_version(),
  "sys_version": sys.version,
  "prefix": sys.prefix,
  "exec_prefix": sys.exec_prefix,
  "path": [p for p in sys.path if p],
  "libs": sorted(libs),
  "openssl": ssl.OPENSSL_VERSION,
}))
`;

interface VerifyFacts {
  version: string;
  sys_version: string;
  prefix: string;
  exec_prefix: string;
  path: string[];
  libs: string[];
  openssl: string;
}

async function countPycs(root: string): Promise<number> {
  let n = 0;
  for await (const { rel } of walkFiles(root)) if (rel.endsWith(".pyc")) n++;
  return n;
}

/**
 * Extract the tarball somewhere else and prove the copy is self-contained:
 * it imports ssl/sqlite3/ctypes/..., reports `info.version` with `sys.prefix`
 * at the copy, maps only its own libpython (not the build prefix's, not the
 * host's), works with and without `LD_LIBRARY_PATH`, and runs pip through
 * both `python -m pip` and the `bin/pip` script.
 * @throws BuildpackError describing the first failed check
 */
export async function verifyTarball(
  tarball: string,
  info: PrefixInfo,
  options: { cfLayout?: boolean; bundled?: string[] } = {},
): Promise<Verified> {
  const scratch = await Deno.makeTempDir({ prefix: "python-dep-verify-" });
  const bundled = options.bundled ?? [];
  try {
    const home = join(scratch, "elsewhere", "deps", "0", "python");
    await Deno.mkdir(home, { recursive: true });
    const listing = await run("tar", ["-tzf", tarball]);
    if (listing.code !== 0) throw fail(`Cannot list ${tarball}: ${listing.stderr.trim()}`);
    const tops = new Set(listing.stdout.split("\n").filter(Boolean).map((l) => l.split("/")[0]));
    const expected = tarballDirs(bundled.length > 0).join(", ");
    if ([...tops].sort().join(", ") !== expected) {
      throw fail(
        `${tarball} has top-level entries ${[...tops].join(", ")}; expected ${expected}.`,
      );
    }
    const extracted = await run("tar", ["-xzf", tarball, "-C", home]);
    if (extracted.code !== 0) throw fail(`Cannot extract ${tarball}: ${extracted.stderr.trim()}`);
    const realHome = await Deno.realPath(home);
    const pycsBefore = await countPycs(home);
    const python = join(home, "bin", "python3");
    const foreign = prefixesOf(info);

    const check = async (libDir: string | undefined): Promise<VerifyFacts> => {
      const how = libDir === undefined
        ? "without LD_LIBRARY_PATH"
        : `with LD_LIBRARY_PATH=${libDir}`;
      const r = await run(python, ["-c", VERIFY], { env: pythonEnv(libDir), cwd: scratch });
      if (r.code !== 0) {
        throw fail(
          `The extracted runtime does not work (${how}):\n${(r.stderr || r.stdout).trim()}`,
        );
      }
      const facts = JSON.parse(r.stdout) as VerifyFacts;
      if (facts.version !== info.version) {
        throw fail(
          `The extracted runtime reports Python ${facts.version} (${how}), not ${info.version}: ` +
            `it loaded another libpython (${
              facts.libs.filter((l) => l.includes("libpython")).join(", ")
            }).`,
        );
      }
      if ((await Deno.realPath(facts.prefix)) !== realHome) {
        throw fail(`The extracted runtime has sys.prefix ${facts.prefix} (${how}), not ${home}.`);
      }
      const libpython = facts.libs.filter((l) => /\/libpython3[^/]*\.so/.test(l));
      const badLib = libpython.filter((l) => !isInside(l, realHome));
      if (badLib.length) {
        throw fail(
          `The extracted runtime loaded ${
            badLib.join(", ")
          } (${how}) instead of its own libpython.`,
        );
      }
      const leaks = facts.libs.filter((l) => foreign.some((p) => isInside(l, p)));
      if (leaks.length) {
        throw fail(
          `The extracted runtime still uses the build prefix (${how}): ${leaks.join(", ")}`,
        );
      }
      const outside = facts.path.filter((p) => !isInside(p, realHome) && p !== scratch);
      if (outside.length) {
        throw fail(`sys.path reaches outside the runtime (${how}): ${outside.join(", ")}`);
      }
      return facts;
    };
    // What the buildpack puts on LD_LIBRARY_PATH: deps/<IDX>/lib links to both.
    const libPath = options.cfLayout
      ? `${join(home, "lib")}:${join(home, "usr", "lib", multiarch(Deno.build.arch))}`
      : join(home, "lib");
    const facts = await check(libPath);
    if (options.cfLayout) await checkNeedsLibraryPath(python, info.version, scratch);
    else await check(undefined);
    if (bundled.length) await checkTkinter(python, { libPath, home: realHome, bundled });

    const pip = await run(python, ["-m", "pip", "--version"], {
      env: pythonEnv(join(home, "lib")),
      cwd: scratch,
    });
    if (pip.code !== 0 || !pip.stdout.includes(realHome)) {
      throw fail(
        `python -m pip --version failed in the extracted runtime:\n${
          (pip.stdout + pip.stderr).trim()
        }`,
      );
    }
    const scriptEnv = pythonEnv(join(home, "lib"));
    scriptEnv.PATH = `${join(home, "bin")}:${scriptEnv.PATH ?? "/usr/bin:/bin"}`;
    const script = await run(join(home, "bin", "pip"), ["--version"], {
      env: scriptEnv,
      cwd: scratch,
    });
    if (script.code !== 0 || !script.stdout.includes(realHome)) {
      throw fail(
        `bin/pip --version failed in the extracted runtime:\n${
          (script.stdout + script.stderr).trim()
        }`,
      );
    }
    return {
      sysVersion: facts.sys_version,
      openssl: facts.openssl,
      pipVersionSeconds: pip.seconds,
      pipVersion: pip.stdout.trim(),
      pycsWritten: (await countPycs(home)) - pycsBefore,
    };
  } finally {
    await Deno.remove(scratch, { recursive: true }).catch(() => {});
  }
}

/**
 * A `--cf-layout` runtime has no RUNPATH: without `LD_LIBRARY_PATH` it must
 * fail, or load the host's libpython (another version), never its own.
 */
async function checkNeedsLibraryPath(python: string, version: string, cwd: string): Promise<void> {
  const r = await run(python, ["-c", "import platform; print(platform.python_version())"], {
    env: pythonEnv(undefined),
    cwd,
  });
  if (r.code === 0 && r.stdout.trim() === version) {
    throw fail(
      "The extracted --cf-layout runtime finds its own libpython without LD_LIBRARY_PATH: " +
        "a RUNPATH was left in it.",
    );
  }
}

/** `import _tkinter` works and loads the bundled Tcl/Tk, not the build machine's. */
async function checkTkinter(
  python: string,
  options: { libPath: string; home: string; bundled: string[] },
): Promise<void> {
  const script = "import _tkinter\nprint(open('/proc/self/maps').read())";
  const r = await run(python, ["-c", script], { env: pythonEnv(options.libPath) });
  if (r.code !== 0) {
    throw fail(`import _tkinter fails in the extracted runtime:\n${(r.stderr || r.stdout).trim()}`);
  }
  const mapped = r.stdout.split("\n").map((l) => l.split(/\s+/).pop() ?? "");
  for (const soname of options.bundled) {
    const hits = mapped.filter((p) => p.endsWith("/" + soname));
    if (!hits.length || hits.some((p) => !isInside(p, options.home))) {
      throw fail(
        `import _tkinter loaded ${hits.join(", ") || "no"} ${soname}, not the bundled copy.`,
      );
    }
  }
}

function humanBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} KB`;
}

/**
 * Build the dependency tarball for an installed CPython prefix: every step
 * above, timed, with a few log lines each.
 * @throws BuildpackError with a message for the person running it
 */
export async function buildPythonDependency(options: BuildOptions): Promise<BuiltDependency> {
  const log = options.log ?? silentLogger();
  const stacks = options.stacks?.length ? options.stacks : [DEFAULT_STACK];
  for (const s of stacks) {
    if (!/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(s)) throw fail(`--stack '${s}' is not a stack name.`);
  }
  const epochEnv = Deno.env.get("SOURCE_DATE_EPOCH");
  const sourceDateEpoch = options.sourceDateEpoch ?? (epochEnv ? Number(epochEnv) : 0);
  if (!Number.isFinite(sourceDateEpoch) || sourceDateEpoch < 0) {
    throw fail(`SOURCE_DATE_EPOCH '${epochEnv}' is not a number of seconds.`);
  }
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, step: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await step();
    timings[name] = (performance.now() - started) / 1000;
    return result;
  };
  const secs = (name: string) => `${timings[name].toFixed(2)} s`;

  log.step(`Packaging python ${options.version} from ${resolve(options.prefix)}`);
  const info = await timed("inspect", () => inspectPrefix(options.prefix, options.version));
  log.info(
    `CPython ${info.version}, stdlib ${info.layout.stdlib}, keeping site-packages: ` +
      `${[...info.layout.keepSitePackages].sort().join(" ") || "(none)"}`,
  );
  const stageDir = await Deno.makeTempDir({ prefix: "python-dep-stage-" });
  try {
    const staged = await timed("stage", () => stagePrefix(info, stageDir));
    log.info(
      `Copied ${staged.files} files (${
        humanBytes(staged.bytes)
      }) and ${staged.symlinks} symlinks (${secs("stage")})`,
    );
    const cfLayout = options.cfLayout ?? false;
    const moved = await timed("relocate", () => relocateStage(info, stageDir, { cfLayout }));
    const runpaths = cfLayout
      ? `Removed ${moved.removedRunpaths.length} RUNPATHs (CF layout: LD_LIBRARY_PATH finds libpython)`
      : `Rewrote ${moved.runpaths.length} RUNPATHs to $ORIGIN (e.g. ` +
        `${moved.runpaths.slice(0, 1).map((r) => `${r.path}: ${r.to}`).join("") || "none"})`;
    log.info(
      `${runpaths}, ${moved.shebangs.length} shebangs, ${moved.pkgconfig.length} pkg-config ` +
        `files (${secs("relocate")})`,
    );
    const bundled = cfLayout ? await timed("tk", () => bundleTkLibraries(info, stageDir)) : [];
    if (cfLayout) {
      log.info(
        bundled.length
          ? `Bundled ${bundled.join(", ")} for _tkinter in usr/lib/${multiarch(Deno.build.arch)}`
          : "No _tkinter in this CPython: no Tcl/Tk libraries bundled",
      );
    }
    if (moved.created.length) log.info(`Created ${moved.created.join(", ")}`);
    for (const f of moved.foreignRunpaths) {
      log.warning(
        `${f.path} keeps the absolute search path ${f.value}: it needs that directory at runtime.`,
      );
    }
    if (options.stripDebug ?? true) {
      if (await haveStrip()) {
        const stripped = await timed("strip", () => stripDebug(stageDir));
        log.info(
          `Stripped debug sections from ${stripped.files} ELF files, ` +
            `${humanBytes(stripped.saved)} less (${secs("strip")})`,
        );
      } else {
        log.warning("No strip program (binutils): binaries keep their debug sections.");
      }
    }
    if (options.bytecode ?? true) {
      const compiled = await timed("bytecode", () => compileBytecode(info, stageDir));
      log.info(
        `Compiled ${compiled.pycs} unchecked-hash .pyc files for ${compiled.sources} sources (${
          secs("bytecode")
        })`,
      );
    } else {
      log.info(
        "No bytecode compiled (--no-bytecode): the tarball ships none, like the official ones",
      );
    }
    const packed = await timed(
      "pack",
      () =>
        packTarball(stageDir, options.outDir, {
          version: info.version,
          stacks,
          sourceDateEpoch,
          dirs: tarballDirs(bundled.length > 0),
        }),
    );
    log.info(`Packed ${packed.path} (${humanBytes(packed.size)}, ${secs("pack")})`);
    const verified = await timed("verify", async () => {
      try {
        return await verifyTarball(packed.path, info, { cfLayout, bundled });
      } catch (e) {
        await Deno.remove(packed.path).catch(() => {});
        throw e;
      }
    });
    log.info(
      `Verified an extracted copy: Python ${
        verified.sysVersion.split(" ")[0]
      }, ${verified.openssl}, ` +
        `first pip --version ${verified.pipVersionSeconds.toFixed(2)} s, ` +
        `${verified.pycsWritten} .pyc written at runtime (${secs("verify")})`,
    );
    const uri = fileUri(packed.path);
    const entry: ManifestEntry = {
      name: "python",
      version: info.version,
      uri,
      sha256: packed.sha256,
      cf_stacks: stacks,
      source: fileUri(info.prefix),
    };
    const total = Object.values(timings).reduce((a, b) => a + b, 0);
    log.info(`Done in ${total.toFixed(2)} s`);
    return { ...packed, version: info.version, uri, entry, timings, verified };
  } finally {
    await Deno.remove(stageDir, { recursive: true }).catch(() => {});
  }
}
