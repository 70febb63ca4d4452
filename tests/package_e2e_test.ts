/**
 * End to end: `deno task package` (tools/package/mod.ts) run as a process.
 * The zip's layout, modes and symlinks as `zipinfo` shows them, the stack
 * filtering, the cached layout, byte-identical rebuilds, the missing-denort
 * error, and a staging of a real app from the unpacked cached zip with every
 * network path closed.
 *
 * `deno compile` cannot run on these machines (its denort base binary is not
 * downloadable here), so every zip is packaged with `--binary`: the repo's
 * dev shim, or for staging a generated stand-in (see {@link shimWrapper}).
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { basename, join } from "node:path";
import { parse, stringify } from "yaml";
import { stage } from "../tools/stage/mod.ts";
import {
  type BuiltRuntime,
  cfLayoutRuntime,
  pythonRuntime,
  skipReason,
  testManifest,
} from "./support/runtimes.ts";
import {
  assertStaged,
  cleanup,
  dropletSbom,
  fixture,
  get,
  REPO,
  stageApp,
  stdlibPycKinds,
  withRunningApp,
} from "./support/staging.ts";

const PACKAGER = join(REPO, "tools", "package", "mod.ts");
const EPOCH = "1700000000";
const CLOSED = "http://127.0.0.1:9"; // refuses connections: any network use fails at once
const opts = { sanitizeOps: false, sanitizeResources: false };
const skip = skipReason("3.11");
if (skip) console.log(`package staging e2e tests skipped: ${skip}`);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run the packager (of `repo`) with a clean env: no DENORT_BIN, SOURCE_DATE_EPOCH fixed. */
async function packager(
  args: string[],
  options: { repo?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  const env = Deno.env.toObject();
  delete env.DENORT_BIN;
  delete env.INIT_CWD;
  const script = options.repo ? join(options.repo, "tools", "package", "mod.ts") : PACKAGER;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-prompt", "--quiet", script, ...args],
    env: { ...env, SOURCE_DATE_EPOCH: EPOCH, ...options.env },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

function assertPackaged(run: Run): void {
  if (run.code !== 0) throw new Error(`package failed (${run.code}):\n${run.stderr}`);
}

async function zipinfo(zip: string): Promise<Map<string, string>> {
  const out = await new Deno.Command("zipinfo", { args: [zip], stdout: "piped" }).output();
  assert.ok(out.success, "zipinfo failed");
  const lines = new TextDecoder().decode(out.stdout).split("\n");
  // -rwxr-xr-x  2.0 unx      677 bX defX 23-Nov-14 22:13 bin/buildpack
  const entries = new Map<string, string>();
  for (const line of lines) {
    const m = line.match(/^([-dl][rwx-]{9})\s+\S+\s+(\S+)\s+\d+\s+\S+\s+\S+\s+(\S+ \S+)\s+(.+)$/);
    if (m) entries.set(m[4], `${m[1]} ${m[2]} ${m[3]}`);
  }
  return entries;
}

async function unzip(zip: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "e2e-unzipped-" });
  const out = await new Deno.Command("unzip", { args: ["-q", zip, "-d", dir] }).output();
  assert.ok(out.success, `unzip ${zip} failed`);
  return dir;
}

function md5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Paths of the machine that built the zip: the repo, `$HOME`, the repo's
 * top-level directory (`/work/` here) and pyenv's root (where the test
 * runtimes come from). None may appear in anything that ships.
 */
function machinePaths(): string[] {
  const top = "/" + REPO.split("/")[1] + "/";
  const paths = [REPO, top];
  const home = Deno.env.get("HOME");
  if (home && home !== "/") paths.push(home.replace(/\/+$/, "") + "/");
  try {
    const out = new Deno.Command("pyenv", { args: ["root"], stdout: "piped", stderr: "null" })
      .outputSync();
    const root = new TextDecoder().decode(out.stdout).trim();
    if (out.success && root) paths.push(root);
  } catch { /* no pyenv: nothing of it can leak */ }
  return [...new Set(paths)];
}

/**
 * Every file under `dir` (text or binary, read as bytes) that contains one
 * of {@link machinePaths}, as `file: path`; files byte-identical to
 * `except` (the test's own stand-in binary, which must name the repo) are
 * skipped.
 */
async function machinePathsIn(dir: string, except: Uint8Array[] = []): Promise<string[]> {
  const needles = machinePaths();
  const found: string[] = [];
  const walk = async (rel: string) => {
    for await (const e of Deno.readDir(join(dir, rel))) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory) await walk(child);
      if (!e.isFile) continue;
      const bytes = await Deno.readFile(join(dir, child));
      if (except.some((x) => x.length === bytes.length && x.every((b, i) => b === bytes[i]))) {
        continue;
      }
      const text = new TextDecoder("latin1").decode(bytes);
      for (const n of needles) if (text.includes(n)) found.push(`${child}: ${n}`);
    }
  };
  await walk("");
  return found;
}

/**
 * A stand-in for the compiled `bin/buildpack`, which cannot be built here:
 * it sources the repo's dev shim with `$0` kept, so the shim runs the repo's
 * `mod.ts` (`exec -a "$0" deno run ...`) while the program name, and so the
 * buildpack root, manifest and `dependencies/`, are the unpacked zip's. (A
 * plain `exec -a "$0" <shim>` loses `$0`: the kernel passes a script's own
 * path to its interpreter.)
 */
async function shimWrapper(dir: string): Promise<string> {
  const path = join(dir, "buildpack-standin");
  await Deno.writeTextFile(
    path,
    "#!/usr/bin/env bash\n" +
      "# Test stand-in for the compiled buildpack: the repo's dev shim under this $0.\n" +
      `exec bash -c 'source "$1" "\${@:2}"' "$0" ${
        JSON.stringify(join(REPO, "bin", "buildpack"))
      } "$@"\n`,
  );
  await Deno.chmod(path, 0o755);
  return path;
}

/** A copy of the repo's packager and release files with `manifest` as its manifest. */
async function repoCopy(manifest: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "e2e-package-repo-" });
  const files = ["bin", "cmd", "lib", "mod.ts", "deno.json", "deno.lock", "VERSION"];
  const out = await new Deno.Command("cp", {
    args: ["-a", ...[...files, "README.md", "LICENSE"].map((f) => join(REPO, f)), dir],
  }).output();
  assert.ok(out.success, "copying the repo failed");
  await Deno.mkdir(join(dir, "tools"));
  await new Deno.Command("cp", {
    // python_dep: the packager packs bytecode archives as it packs runtimes.
    args: [
      "-a",
      join(REPO, "tools", "package"),
      join(REPO, "tools", "python_dep"),
      join(dir, "tools"),
    ],
  }).output();
  const include = stringify({
    include_files: parse(await Deno.readTextFile(join(REPO, "manifest.yml"))).include_files,
  });
  await Deno.writeTextFile(
    join(dir, "manifest.yml"),
    manifest.replace(/^include_files:[\s\S]*$/m, include),
  );
  return dir;
}

/** A repo copy whose manifest points the test runtime at an unreachable URI (no download works). */
async function repoWithUnreachableRuntime(): Promise<
  { rt: BuiltRuntime; uri: string; repo: string }
> {
  const rt = (await pythonRuntime("3.11"))!;
  const uri = `${CLOSED}/buildpacks/${basename(rt.tarball)}`;
  return { rt, uri, repo: await repoCopy(testManifest([{ ...rt, uri }], { stack: "cflinuxfs4" })) };
}

Deno.test(
  "the zip holds the binary, phase symlinks, stack manifest, SBOM and nothing else",
  opts,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "e2e-package-" });
    try {
      const zip = join(dir, "bp.zip");
      const standIn = await shimWrapper(dir);
      // --bytecode none: the repo's manifest points at the internet, and this test is
      // about the zip's own files (the default runtime's bytecode: tests below).
      const run = await packager([
        "--stack",
        "cflinuxfs4",
        "--binary",
        standIn,
        "--bytecode",
        "none",
        "--out",
        zip,
      ]);
      assertPackaged(run);
      assert.match(run.stdout, new RegExp(`^${zip}\\n  \\d+ bytes .*\\n  sha256 [0-9a-f]{64}`));
      assert.deepEqual(Array.from((await Deno.readFile(zip)).subarray(0, 4)), [0x50, 0x4b, 3, 4]);
      const entries = await zipinfo(zip);
      assert.deepEqual([...entries.keys()], [
        "LICENSE",
        "README.md",
        "VERSION",
        "bin/buildpack",
        "bin/compile",
        "bin/detect",
        "bin/finalize",
        "bin/release",
        "bin/supply",
        "manifest.parsed.json",
        "manifest.yml",
        "sbom.cdx.json",
      ]);
      const date = "23-Nov-14 22:13"; // SOURCE_DATE_EPOCH 1700000000, UTC
      assert.equal(entries.get("bin/buildpack"), `-rwxr-xr-x unx ${date}`);
      for (const phase of ["compile", "detect", "finalize", "release", "supply"]) {
        assert.equal(entries.get(`bin/${phase}`), `lrwxrwxrwx unx ${date}`);
      }
      assert.equal(entries.get("manifest.yml"), `-rw-r--r-- unx ${date}`);

      const unpacked = await unzip(zip);
      try {
        assert.deepEqual(
          await machinePathsIn(unpacked, [await Deno.readFile(standIn)]),
          [],
          "no zip entry names a path of the build machine",
        );
        assert.equal(await Deno.readLink(join(unpacked, "bin", "supply")), "buildpack");
        const manifest = await Deno.readTextFile(join(unpacked, "manifest.yml"));
        const parsed = parse(manifest);
        assert.equal(parsed.stack, "cflinuxfs4");
        const source = parse(await Deno.readTextFile(join(REPO, "manifest.yml")));
        const forStack = source.dependencies.filter((d: { cf_stacks: string[] }) =>
          d.cf_stacks.includes("cflinuxfs4")
        );
        assert.deepEqual(
          parsed.dependencies,
          forStack.map(({ cf_stacks: _, ...rest }: { cf_stacks: string[] }) => rest),
        );
        assert.doesNotMatch(manifest, /^\s*cf_stacks:/m);
        // The parsed manifest staging reads instead of the YAML: made from this very text.
        const carried = JSON.parse(
          await Deno.readTextFile(join(unpacked, "manifest.parsed.json")),
        );
        assert.equal(
          carried.yamlSha256,
          createHash("sha256").update(manifest, "utf8").digest("hex"),
        );
        assert.deepEqual(carried.data, parse(manifest, { schema: "failsafe" }));

        const sbom = JSON.parse(await Deno.readTextFile(join(unpacked, "sbom.cdx.json")));
        assert.equal(sbom.specVersion, "1.5");
        const names = sbom.components.map((c: { name: string }) => c.name);
        for (const pkg of ["yaml", "tar-stream", "fflate", "python", "pip"]) {
          assert.ok(names.includes(pkg), `sbom.cdx.json lacks ${pkg}`);
        }
        const yaml = sbom.components.find((c: { name: string }) => c.name === "yaml");
        assert.equal(yaml.hashes[0].alg, "SHA-512");
        const python = sbom.components.find((c: { name: string }) => c.name === "python");
        assert.match(python.hashes[0].content, /^[0-9a-f]{64}$/);
        assert.ok(
          python.externalReferences.some((r: { type: string }) => r.type === "source-distribution"),
        );

        // `bin/buildpack version` reports the zip's own manifest.
        const version = await new Deno.Command(join(unpacked, "bin", "buildpack"), {
          args: ["version"],
          stdout: "piped",
        }).output();
        const text = new TextDecoder().decode(version.stdout);
        assert.match(
          text,
          /^python-buildpack \d+\.\d+\.\d+\ndeno \d+\.\d+\.\d+\nstack cflinuxfs4\n/,
        );
        assert.match(text, /target x86_64-unknown-linux-gnu/);
        assert.ok(text.includes(`manifest sha256 ${sha256(new TextEncoder().encode(manifest))}`));
      } finally {
        await Deno.remove(unpacked, { recursive: true });
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "--stack any keeps every stack; an unknown stack fails naming the stacks",
  opts,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "e2e-package-" });
    try {
      const binary = join(REPO, "bin", "buildpack");
      const any = await packager(
        ["--stack", "any", "--binary", binary, "--version", "9.9.9", "--bytecode", "none"],
        { env: { INIT_CWD: dir } },
      );
      assertPackaged(any);
      const zip = join(dir, "python_buildpack-v9.9.9.zip");
      const unpacked = await unzip(zip);
      try {
        const manifest = parse(await Deno.readTextFile(join(unpacked, "manifest.yml")));
        const source = parse(await Deno.readTextFile(join(REPO, "manifest.yml")));
        assert.equal(manifest.stack, undefined);
        assert.deepEqual(manifest.dependencies, source.dependencies);
        assert.equal(await Deno.readTextFile(join(unpacked, "VERSION")), "9.9.9\n");
      } finally {
        await Deno.remove(unpacked, { recursive: true });
      }
      const bad = await packager([
        "--stack",
        "cflinuxfs9",
        "--binary",
        binary,
        "--out",
        join(dir, "x.zip"),
      ]);
      assert.equal(bad.code, 2);
      assert.match(bad.stderr, /has no dependencies for stack 'cflinuxfs9'/);
      assert.match(bad.stderr, /Its stacks are: cflinuxfs3, cflinuxfs4, cflinuxfs5/);
      await assert.rejects(() => Deno.stat(join(dir, "x.zip")));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "without denort and with the network closed it fails first, saying how to provide it",
  opts,
  async () => {
    const dir = await Deno.makeTempDir({ prefix: "e2e-package-" });
    try {
      // An empty Deno cache except the npm packages the packager itself needs.
      const info = JSON.parse(new TextDecoder().decode(
        (await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stdout: "piped" })
          .output()).stdout,
      ));
      const denoDir = join(dir, "deno_dir");
      await Deno.mkdir(denoDir);
      await Deno.symlink(info.npmCache, join(denoDir, "npm"));
      const run = await packager(
        [
          "--stack",
          "cflinuxfs4",
          "--cached",
          "--download-cache",
          join(dir, "dl"),
          "--out",
          join(dir, "bp.zip"),
        ],
        {
          env: {
            DENO_DIR: denoDir,
            HTTPS_PROXY: CLOSED,
            HTTP_PROXY: CLOSED,
            https_proxy: CLOSED,
            http_proxy: CLOSED,
            NO_PROXY: "",
            no_proxy: "",
          },
        },
      );
      assert.equal(run.code, 1, run.stderr);
      const cachePath = join(
        denoDir,
        "dl",
        "release",
        `v${Deno.version.deno}`,
        "denort-x86_64-unknown-linux-gnu.zip",
      );
      assert.match(
        run.stderr,
        /needs the denort runtime of Deno \d+\.\d+\.\d+ for x86_64-unknown-linux-gnu/,
      );
      assert.match(run.stderr, /DENORT_BIN is not set/);
      assert.ok(run.stderr.includes(`${cachePath} does not exist`), run.stderr);
      assert.match(run.stderr, /https:\/\/dl\.deno\.land is not reachable/);
      assert.ok(run.stderr.includes(`put the zip unchanged at ${cachePath}`));
      assert.match(run.stderr, /set DENORT_BIN=\/path\/to\/denort/);
      assert.match(run.stderr, /--binary PATH/);
      // Before anything else: nothing downloaded, no zip.
      await assert.rejects(() => Deno.stat(join(dir, "dl")));
      await assert.rejects(() => Deno.stat(join(dir, "bp.zip")));
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
);

Deno.test(
  "cached zip: dependencies/<md5>/<basename> and file:, a download cache, byte-identical rebuilds",
  { ...opts, ignore: skip !== undefined },
  async () => {
    const rt = (await pythonRuntime("3.11"))!;
    const repo = await repoCopy(testManifest([rt], { stack: "cflinuxfs4" }));
    try {
      const binary = join(repo, "bin", "buildpack");
      const cache = join(repo, "download-cache");
      const a = join(repo, "a.zip");
      const b = join(repo, "b.zip");
      const common = [
        "--stack",
        "cflinuxfs4",
        "--cached",
        "--binary",
        binary,
        "--download-cache",
        cache,
      ];
      const first = await packager([...common, "--out", a], { repo });
      assertPackaged(first);
      assert.match(first.stderr, /Download \[file:/);
      // The second run takes the runtime from the download cache, in another time zone.
      const second = await packager([...common, "--out", b], { repo, env: { TZ: "Asia/Tokyo" } });
      assertPackaged(second);
      assert.match(second.stderr, /Cached \[/);
      assert.doesNotMatch(second.stderr, /Download \[/);
      const bytesA = await Deno.readFile(a);
      assert.equal(sha256(bytesA), sha256(await Deno.readFile(b)), "the two builds differ");
      const later = await packager([...common, "--out", b], {
        repo,
        env: { SOURCE_DATE_EPOCH: "1700000002" },
      });
      assertPackaged(later);
      assert.notEqual(sha256(bytesA), sha256(await Deno.readFile(b)), "the timestamp is not used");

      const entry = `dependencies/${md5(rt.uri)}/${basename(rt.tarball)}`;
      const entries = await zipinfo(a);
      assert.equal(entries.get(entry)?.split(" ")[0], "-rw-r--r--");
      const unpacked = await unzip(a);
      try {
        const manifest = parse(await Deno.readTextFile(join(unpacked, "manifest.yml")));
        assert.equal(manifest.dependencies[0].file, entry);
        assert.equal(sha256(await Deno.readFile(join(unpacked, entry))), rt.sha256);
        const sbom = JSON.parse(await Deno.readTextFile(join(unpacked, "sbom.cdx.json")));
        const python = sbom.components.find((c: { name: string }) => c.name === "python");
        assert.deepEqual(python.properties, [{ name: "cf:file", value: entry }]);
      } finally {
        await Deno.remove(unpacked, { recursive: true });
      }
    } finally {
      await Deno.remove(repo, { recursive: true });
    }
  },
);

Deno.test(
  "an air-gapped cached zip (--dependency-dir) stages an app with the network closed",
  { ...opts, ignore: skip !== undefined },
  async () => {
    // Packaging must take the file from --dependency-dir, staging from the zip's dependencies/.
    const { rt, uri, repo } = await repoWithUnreachableRuntime();
    let unpacked: string | undefined;
    try {
      const local = join(repo, "deps-from-usb");
      await Deno.mkdir(local);
      await Deno.copyFile(rt.tarball, join(local, basename(rt.tarball)));
      const zip = join(repo, "bp.zip");
      const run = await packager([
        "--stack",
        "cflinuxfs4",
        "--cached",
        "--dependency-dir",
        local,
        "--binary",
        await shimWrapper(repo),
        "--out",
        zip,
      ], { repo, env: { HTTPS_PROXY: CLOSED, HTTP_PROXY: CLOSED } });
      assertPackaged(run);
      assert.match(run.stderr, /Copy \[.*deps-from-usb/);
      unpacked = await unzip(zip);
      // The dependency tarballs are the test's own inputs (compressed), the
      // stand-in binary must name the repo: everything else is checked.
      assert.deepEqual(
        await machinePathsIn(unpacked, [await Deno.readFile(join(repo, "buildpack-standin"))]),
        [],
        "no zip entry names a path of the build machine",
      );
      const result = await stage({
        appDir: fixture("stdlib_app"),
        buildpacks: [unpacked],
        env: { http_proxy: CLOSED, https_proxy: CLOSED, HTTP_PROXY: CLOSED, HTTPS_PROXY: CLOSED },
        output: () => {},
      });
      try {
        const droplet = assertStaged(result);
        assert.match(result.log, new RegExp(`Copy \\[\\S*/dependencies/${md5(uri)}/python_`));
        assert.doesNotMatch(result.log, /Download \[/);
        await withRunningApp(droplet, async (url) => {
          assert.equal(JSON.parse((await get(url)).body).version, rt.version);
        });
      } finally {
        await cleanup(result);
      }
      // The same directory without the runtime: the error names what is missing.
      await Deno.remove(join(local, basename(rt.tarball)));
      const missing = await packager(
        [
          "--stack",
          "cflinuxfs4",
          "--cached",
          "--dependency-dir",
          local,
          "--binary",
          join(repo, "bin", "buildpack"),
          "--out",
          zip,
        ],
        { repo },
      );
      assert.equal(missing.code, 1);
      assert.ok(
        missing.stderr.includes(`${basename(rt.tarball)} (python ${rt.version}, from ${uri})`),
        missing.stderr,
      );
    } finally {
      if (unpacked) await Deno.remove(unpacked, { recursive: true });
      await Deno.remove(repo, { recursive: true });
    }
  },
);

Deno.test(
  "an online zip that cannot fetch its default runtime for its bytecode fails naming --bytecode none",
  { ...opts, ignore: skip !== undefined },
  async () => {
    const { rt, repo } = await repoWithUnreachableRuntime();
    try {
      const zip = join(repo, "bp.zip");
      const args = ["--stack", "cflinuxfs4", "--binary", join(repo, "bin", "buildpack")];
      const env = { HTTPS_PROXY: CLOSED, HTTP_PROXY: CLOSED };
      const failed = await packager([...args, "--out", zip], { repo, env });
      assert.equal(failed.code, 1, failed.stderr);
      assert.match(
        failed.stderr,
        new RegExp(
          `could not fetch python ${rt.version} to compile the bytecode this online zip carries`,
        ),
      );
      assert.match(failed.stderr, /or leave the bytecode out with --bytecode none/);
      await assert.rejects(() => Deno.stat(zip), "no zip is left behind");

      const none = await packager([...args, "--bytecode", "none", "--out", zip], { repo, env });
      assertPackaged(none);
      assert.deepEqual(
        [...(await zipinfo(zip)).keys()].filter((e) => e.startsWith("dependencies/")),
        [],
      );
    } finally {
      await Deno.remove(repo, { recursive: true });
    }
  },
);

Deno.test(
  "a cached zip carries pip's imports precompiled for a runtime without bytecode; staging adds them",
  { ...opts, ignore: skip !== undefined },
  async () => {
    const rt = (await cfLayoutRuntime("3.11"))!;
    const manifest = testManifest([rt], { stack: "cflinuxfs4" });
    const repo = await repoCopy(manifest);
    const cacheDirs: string[] = [];
    let unpacked: string | undefined;
    let onlineDir: string | undefined;
    try {
      const zip = join(repo, "bp.zip");
      const run = await packager([
        "--stack",
        "cflinuxfs4",
        "--cached",
        "--binary",
        await shimWrapper(repo),
        "--download-cache",
        join(repo, "download-cache"),
        "--out",
        zip,
      ], { repo });
      assertPackaged(run);
      const compiled = run.stderr.match(
        /Compiled (\d+) modules pip imports with python 3\.11\.\d+: (python-bytecode_\S+\.tgz)/,
      );
      assert.ok(compiled, run.stderr);
      unpacked = await unzip(zip);
      const deps = parse(await Deno.readTextFile(join(unpacked, "manifest.yml"))).dependencies;
      // Right after the runtime it was made from, tied to its sha256, bundled.
      assert.deepEqual(deps.map((d: { name: string }) => d.name), ["python", "python-bytecode"]);
      const archive = deps[1];
      assert.equal(archive.version, rt.version);
      assert.equal(archive.runtime_sha256, rt.sha256);
      assert.equal(basename(archive.file), compiled[2]);
      assert.equal(sha256(await Deno.readFile(join(unpacked, archive.file))), archive.sha256);
      const sbom = JSON.parse(await Deno.readTextFile(join(unpacked, "sbom.cdx.json")));
      assert.ok(sbom.components.some((c: { name: string }) => c.name === "python-bytecode"));

      const stageWith = async (reuse?: string) => {
        const cacheDir = reuse ?? await Deno.makeTempDir({ prefix: "e2e-cache-" });
        if (!reuse) cacheDirs.push(cacheDir);
        return await stageApp(join(REPO, "examples", "flask_app"), {
          manifest, // not applied: the zip's own, with the archive, is the point
          buildpacks: [unpacked!],
          cacheDir,
          env: { BP_DEBUG: "1" },
        });
      };
      const result = await stageWith();
      try {
        const droplet = assertStaged(result);
        assert.match(
          result.log,
          new RegExp(
            `Added ${compiled[1]} precompiled modules of pip's imports from the buildpack`,
          ),
        );
        // Nothing was left for the compiler beside pip: it did not start.
        assert.doesNotMatch(result.log, /Compiled \d+ of \d+ modules beside pip/);
        assert.doesNotMatch(result.log, /\*\*WARNING\*\*/);
        const kinds = await stdlibPycKinds(droplet);
        // The stdlib's part of the archive (pip's own is in site-packages); pip
        // itself compiled nothing there.
        assert.ok(
          kinds.unchecked > 100 && kinds.timestamp === 0,
          `the archive's bytecode: ${JSON.stringify(kinds)}`,
        );
        await withRunningApp(droplet, async (url, log) => {
          const hello = await get(url + "/");
          assert.equal(hello.status, 200, log());
          assert.equal(hello.body, "Hello, World!\n");
        });
        // The staging SBOM lists the archive, and so does a restage's that reuses it.
        const listed = (components: Awaited<ReturnType<typeof dropletSbom>>) =>
          components.find((c) => c.name === "python-bytecode")?.hashes?.[0]?.content;
        assert.equal(listed(await dropletSbom(droplet)), archive.sha256);
        const restage = await stageWith(cacheDirs.at(-1));
        try {
          assert.match(restage.log, /Reusing the Python environment from the previous staging/);
          assert.equal(listed(await dropletSbom(assertStaged(restage))), archive.sha256);
        } finally {
          await cleanup(restage);
        }
      } finally {
        await cleanup(result);
      }

      // A damaged archive: a warning, and staging compiles as without it.
      await Deno.writeTextFile(join(unpacked, archive.file), "not the archive");
      const damaged = await stageWith();
      try {
        assertStaged(damaged);
        assert.match(
          damaged.log,
          /Not using the buildpack's python-bytecode 3\.11\.\d+ \(.*sha256.*compiling pip's imports during staging instead/s,
        );
        assert.match(damaged.log, /Compiled \d+ of \d+ modules beside pip/);
      } finally {
        await cleanup(damaged);
      }

      // An online zip, by default, carries the default runtime's archive (the same
      // bytes), not the runtime, which staging downloads.
      const online = join(repo, "online.zip");
      assertPackaged(
        await packager([
          "--stack",
          "cflinuxfs4",
          "--binary",
          await shimWrapper(repo),
          "--download-cache",
          join(repo, "download-cache"),
          "--out",
          online,
        ], { repo }),
      );
      const entries = [...(await zipinfo(online)).keys()].filter((e) =>
        e.startsWith("dependencies/")
      );
      assert.deepEqual(entries, [archive.file]);
      onlineDir = await unzip(online);
      const onlineDeps =
        parse(await Deno.readTextFile(join(onlineDir, "manifest.yml"))).dependencies;
      assert.equal(onlineDeps[0].file, undefined);
      assert.deepEqual(onlineDeps[1], archive);
      const fromOnline = await stageApp(join(REPO, "examples", "flask_app"), {
        manifest,
        buildpacks: [onlineDir],
        env: { BP_DEBUG: "1" },
      });
      try {
        assertStaged(fromOnline);
        assert.match(fromOnline.log, /Download \[file:/);
        assert.match(
          fromOnline.log,
          /Added \d+ precompiled modules of pip's imports from the buildpack/,
        );
        assert.doesNotMatch(fromOnline.log, /Compiled \d+ of \d+ modules beside pip/);
      } finally {
        await cleanup(fromOnline);
      }
    } finally {
      if (onlineDir) await Deno.remove(onlineDir, { recursive: true });
      if (unpacked) await Deno.remove(unpacked, { recursive: true });
      for (const dir of cacheDirs) await Deno.remove(dir, { recursive: true });
      await Deno.remove(repo, { recursive: true });
    }
  },
);
