/**
 * A cached zip's bytecode archives: for each bundled runtime shipped without
 * bytecode (as the official tarballs are), the packager runs that runtime
 * once, compiles the files pip imports with the compiler staging would run
 * beside pip (`lib/python/bytecode.ts`), and bundles the `.pyc` files as a
 * `python-bytecode` dependency tied to the runtime's sha256
 * (`lib/python/bytecode_archive.ts` adds them at staging). A first staging
 * then skips compiling ~560 modules on the platform's CPUs.
 *
 * A runtime that does not run on the build machine (another stack, another
 * libc) gets no archive, with a warning: stagings compile as without it.
 * @module
 */
import { basename, join } from "node:path";
import {
  defaultVersion,
  dependenciesFor,
  type Dependency,
  type Manifest,
  stacksOf,
} from "../../lib/manifest.ts";
import { matchVersion } from "../../lib/python/version.ts";
import type { BytecodeChoice } from "./cli.ts";
import { ANY_STACK } from "./manifest_for_stack.ts";
import { extractArchive } from "../../lib/deps/extract.ts";
import { compileOrder, COMPILER, osPyc, pycOf, stdlibDir } from "../../lib/python/bytecode.ts";
import { BYTECODE_DEPENDENCY } from "../../lib/python/bytecode_archive.ts";
import { packTarball } from "../python_dep/package.ts";
import { bundledEntry } from "./dependencies.ts";

/**
 * The runtimes `choice` (`--bytecode`) asks archives for, in manifest order:
 * every python of the manifest, or for each stack the one its
 * `default_versions` picks (the newest 3.x without one). Pure.
 */
export function runtimesToCompile(
  manifest: Manifest,
  choice: BytecodeChoice,
  stack: string,
): Dependency[] {
  const pythons = manifest.dependencies.filter((d) => d.name === "python");
  if (choice === "all") return pythons;
  if (choice === "none") return [];
  const picked = new Set<Dependency>();
  const range = defaultVersion(manifest, "python") ?? "3.x";
  for (const s of stack === ANY_STACK ? stacksOf(manifest) : [stack]) {
    const offered = dependenciesFor(manifest, "python", s);
    const version = matchVersion(range, offered.map((d) => d.version));
    const dep = offered.find((d) => d.version === version);
    if (dep) picked.add(dep);
  }
  return pythons.filter((d) => picked.has(d));
}

/** A generated archive: its manifest entry and the file that goes into the zip. */
export interface BytecodeArchive {
  /** The `python-bytecode` entry (with `file:` and `runtime_sha256`). */
  dependency: Dependency;
  /** The archive, in the packager's work dir. */
  path: string;
}

function isFile(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** `python-bytecode_<version>_linux_x64_<stacks>_<sha256[:8]>.tgz`. Pure. */
export function bytecodeArchiveName(
  version: string,
  options: { stacks: string[]; sha256: string },
): string {
  const stackPart = options.stacks.length ? options.stacks.join("_") : "any";
  const short = options.sha256.slice(0, 8);
  return `${BYTECODE_DEPENDENCY}_${version}_linux_x64_${stackPart}_${short}.tgz`;
}

/** Run the runtime's compiler over `items`; resolves with why it failed, or undefined. */
async function compile(
  runtimeDir: string,
  input: string,
  cwd: string,
): Promise<string | undefined> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(join(runtimeDir, "bin", "python3"), {
      // The same bytes every time: a fixed hash seed (the order of set constants
      // depends on it), nothing written by Python's own imports (timestamp-based
      // .pyc files the compiler would then skip); no user site, and the root
      // makes recorded names relative.
      args: ["-s", "-c", COMPILER, runtimeDir],
      env: {
        LD_LIBRARY_PATH: join(runtimeDir, "lib"),
        PYTHONHASHSEED: "0",
        PYTHONDONTWRITEBYTECODE: "1",
      },
      clearEnv: true,
      cwd,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input)).catch(() => {});
  await writer.close().catch(() => {});
  const [status, , stderr] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  if (status.success) return undefined;
  return stderr.trim().split("\n").pop() || `exit code ${status.code}`;
}

/**
 * The bytecode archive of `runtime` (a verified tarball at `tarball`), built in
 * `workDir`; undefined when the runtime ships bytecode or cannot run here
 * (logged). Deterministic: the same runtime gives the same bytes.
 */
export async function buildBytecodeArchive(
  runtime: Dependency,
  tarball: string,
  options: { workDir: string; stacks: string[]; epoch: number; log: (line: string) => void },
): Promise<BytecodeArchive | undefined> {
  const { workDir, log } = options;
  const runtimeDir = join(workDir, `runtime-${runtime.sha256.slice(0, 12)}`);
  const stage = join(workDir, `bytecode-${runtime.sha256.slice(0, 12)}`);
  try {
    await extractArchive(tarball, runtimeDir);
    if (isFile(osPyc(runtimeDir, runtime.version))) {
      log(`python ${runtime.version} ships bytecode: no ${BYTECODE_DEPENDENCY} archive needed`);
      return undefined;
    }
    const stdlib = stdlibDir(runtimeDir, runtime.version);
    const items = compileOrder(stdlib, (rel) => isFile(join(stdlib, rel))).reverse();
    const failed = await compile(
      runtimeDir,
      items.map((i) => `${i.mode} ${i.path}\n`).join(""),
      workDir,
    );
    if (failed) {
      log(
        `WARNING: python ${runtime.version} (${basename(tarball)}) did not run on this machine ` +
          `(${failed}): the zip carries no bytecode for it, and its first stagings compile ` +
          "pip's imports themselves. Package on a machine of the stack to include it.",
      );
      return undefined;
    }
    // Only the new .pyc files, at their paths in the runtime.
    const prefix = stdlib.slice(runtimeDir.length + 1);
    let count = 0;
    for (const item of items) {
      const rel = item.path.slice(stdlib.length + 1);
      const pyc = pycOf(rel, runtime.version);
      if (!isFile(join(stdlib, pyc))) continue;
      await Deno.mkdir(join(stage, prefix, pyc, ".."), { recursive: true });
      await Deno.copyFile(join(stdlib, pyc), join(stage, prefix, pyc));
      count++;
    }
    const packed = await packTarball(stage, workDir, {
      version: runtime.version,
      stacks: options.stacks,
      sourceDateEpoch: options.epoch,
      dirs: ["lib"],
    });
    const name = bytecodeArchiveName(runtime.version, {
      stacks: options.stacks,
      sha256: packed.sha256,
    });
    const path = join(workDir, name);
    await Deno.rename(packed.path, path);
    const dependency: Dependency = {
      name: BYTECODE_DEPENDENCY,
      version: runtime.version,
      // Made by the packager, never downloaded: the zip's file is the only copy.
      uri: `buildpack:${name}`,
      sha256: packed.sha256,
      cfStacks: runtime.cfStacks,
      runtimeSha256: runtime.sha256,
    };
    dependency.file = bundledEntry(dependency);
    log(`Compiled ${count} modules pip imports with python ${runtime.version}: ${name}`);
    return { dependency, path };
  } finally {
    await Deno.remove(runtimeDir, { recursive: true }).catch(() => {});
    await Deno.remove(stage, { recursive: true }).catch(() => {});
  }
}
