import assert from "node:assert/strict";
import { join } from "node:path";
import { cfLayoutRuntime, pythonRuntime } from "../../tests/support/runtimes.ts";
import { bytecodeEntryProblem } from "../../lib/python/bytecode_archive.ts";
import type { Dependency } from "../../lib/manifest.ts";
import {
  buildBytecodeArchive,
  bytecodeArchiveName,
  runtimesToCompile,
} from "./bytecode_archive.ts";
import { parseManifest } from "../../lib/manifest_yaml.ts";

Deno.test("bytecode archive names say version, stack and content", () => {
  const sha256 = "ab12cd34" + "0".repeat(56);
  assert.equal(
    bytecodeArchiveName("3.11.7", { stacks: ["cflinuxfs4"], sha256 }),
    "python-bytecode_3.11.7_linux_x64_cflinuxfs4_ab12cd34.tgz",
  );
  assert.equal(
    bytecodeArchiveName("3.11.7", { stacks: [], sha256 }),
    "python-bytecode_3.11.7_linux_x64_any_ab12cd34.tgz",
  );
});

const bare = await cfLayoutRuntime("3.11");
const withBytecode = await pythonRuntime("3.11");

function runtimeDep(rt: { version: string; sha256: string; uri: string }): Dependency {
  return { name: "python", version: rt.version, uri: rt.uri, sha256: rt.sha256, cfStacks: [] };
}

async function tarList(archive: string): Promise<string[]> {
  const out = await new Deno.Command("tar", { args: ["tzf", archive], stdout: "piped" }).output();
  assert.ok(out.success);
  return new TextDecoder().decode(out.stdout).split("\n").filter((l) => l && !l.endsWith("/"));
}

Deno.test(
  "buildBytecodeArchive: a runtime without bytecode compiles pip's imports, the same bytes twice",
  { ignore: bare === undefined },
  async () => {
    const work = await Deno.makeTempDir({ prefix: "bytecode_archive_test_" });
    const lines: string[] = [];
    try {
      const build = async (sub: string) => {
        await Deno.mkdir(join(work, sub));
        return (await buildBytecodeArchive(runtimeDep(bare!), bare!.tarball, {
          workDir: join(work, sub),
          stacks: ["cflinuxfs4"],
          epoch: 1700000000,
          log: (l) => lines.push(l),
        }))!;
      };
      const first = await build("a");
      const second = await build("b");
      assert.ok(first, lines.join("\n"));
      assert.equal(first.dependency.sha256, second.dependency.sha256, "not reproducible");
      assert.deepEqual(
        { ...first.dependency, sha256: "", uri: "", file: "" },
        {
          name: "python-bytecode",
          version: bare!.version,
          uri: "",
          sha256: "",
          file: "",
          cfStacks: [],
          runtimeSha256: bare!.sha256,
        },
      );
      assert.match(first.dependency.file!, /^dependencies\/[0-9a-f]{32}\/python-bytecode_/);
      const entries = await tarList(first.path);
      // Every entry is a .pyc staging accepts; pip's own and the stdlib's are there.
      assert.deepEqual(entries.filter((e) => bytecodeEntryProblem(e, bare!.version)), []);
      assert.ok(entries.length > 400, `only ${entries.length} files`);
      const tag = "cpython-311.pyc";
      assert.ok(entries.includes(`lib/python3.11/__pycache__/argparse.${tag}`), "no argparse");
      assert.ok(
        entries.some((e) => e.startsWith("lib/python3.11/site-packages/pip/_internal/")),
        "no pip module",
      );
      // No path of this machine: recorded source names are relative to the runtime.
      const contents = await new Deno.Command("tar", {
        args: ["xzOf", first.path],
        stdout: "piped",
      }).output();
      const bytes = new TextDecoder("latin1").decode(contents.stdout);
      assert.ok(bytes.includes("lib/python3.11/argparse.py"), "no relative source name");
      assert.ok(!bytes.includes(work), "the archive names the work dir");
      assert.match(lines.join("\n"), /Compiled \d+ modules pip imports with python 3\.11\./);
      // The work dir keeps only the archive.
      assert.deepEqual(
        [...Deno.readDirSync(join(work, "a"))].map((e) => e.name),
        [first.path.split("/").pop()],
      );
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
);

Deno.test(
  "buildBytecodeArchive: none for a runtime that ships bytecode, nor for one that cannot run",
  { ignore: withBytecode === undefined },
  async () => {
    const work = await Deno.makeTempDir({ prefix: "bytecode_archive_test_" });
    const lines: string[] = [];
    try {
      const options = { workDir: work, stacks: [], epoch: 0, log: (l: string) => lines.push(l) };
      const rt = withBytecode!;
      assert.equal(await buildBytecodeArchive(runtimeDep(rt), rt.tarball, options), undefined);
      assert.match(lines.join("\n"), /ships bytecode: no python-bytecode archive needed/);
      // A "runtime" whose python3 is not a program this machine runs.
      const fake = join(work, "fake");
      await Deno.mkdir(join(fake, "bin"), { recursive: true });
      await Deno.mkdir(join(fake, "lib", "python3.11"), { recursive: true });
      await Deno.writeTextFile(join(fake, "lib", "python3.11", "argparse.py"), "x = 1\n");
      await Deno.writeTextFile(join(fake, "bin", "python3"), "\x7fELF not really");
      await Deno.chmod(join(fake, "bin", "python3"), 0o755);
      const tgz = join(work, "fake.tgz");
      const tar = await new Deno.Command("tar", { args: ["czf", tgz, "-C", fake, "bin", "lib"] })
        .output();
      assert.ok(tar.success);
      const dep = { ...runtimeDep(rt), version: "3.11.0" };
      assert.equal(await buildBytecodeArchive(dep, tgz, options), undefined);
      assert.match(
        lines.join("\n"),
        /WARNING: python 3\.11\.0 \(fake\.tgz\) did not run on this machine .*Package on a machine of the stack/,
      );
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
);

Deno.test("runtimesToCompile: all, the default's pick per stack, or none", () => {
  const entry = (version: string, stack: string, sha: string) =>
    `- name: python\n  version: ${version}\n  uri: https://example.com/python_${version}_${stack}.tgz\n` +
    `  sha256: ${sha.repeat(64)}\n  cf_stacks: [${stack}]\n`;
  const manifest = parseManifest(
    "language: python\ndefault_versions:\n- name: python\n  version: 3.13.x\ndependencies:\n" +
      entry("3.11.7", "cflinuxfs4", "a") + entry("3.13.5", "cflinuxfs4", "b") +
      entry("3.13.1", "cflinuxfs4", "c") + entry("3.13.2", "cflinuxfs5", "d") +
      "- name: pip\n  version: '25.2'\n  uri: https://example.com/pip.tgz\n" +
      `  sha256: ${"e".repeat(64)}\n`,
    "manifest.yml",
  );
  const names = (deps: Dependency[]) => deps.map((d) => `${d.version} ${d.cfStacks}`);
  assert.deepEqual(names(runtimesToCompile(manifest, "all", "any")), [
    "3.11.7 cflinuxfs4",
    "3.13.5 cflinuxfs4",
    "3.13.1 cflinuxfs4",
    "3.13.2 cflinuxfs5",
  ]);
  assert.deepEqual(names(runtimesToCompile(manifest, "default", "any")), [
    "3.13.5 cflinuxfs4",
    "3.13.2 cflinuxfs5",
  ]);
  assert.deepEqual(names(runtimesToCompile(manifest, "default", "cflinuxfs4")), [
    "3.13.5 cflinuxfs4",
  ]);
  assert.deepEqual(runtimesToCompile(manifest, "none", "any"), []);
});
