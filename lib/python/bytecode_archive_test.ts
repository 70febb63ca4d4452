import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { Logger, MemorySink } from "../log.ts";
import type { Dependency } from "../manifest.ts";
import { parseManifest } from "../manifest_yaml.ts";
import { DependencyInstaller } from "../deps/install.ts";
import {
  addBytecodeArchive,
  bytecodeArchiveFor,
  bytecodeEntryProblem,
} from "./bytecode_archive.ts";
import { sourceOfPyc } from "./bytecode.ts";

const SHA_A = "a".repeat(64);
const SHA_B = "b".repeat(64);

Deno.test("bytecodeArchiveFor: only the archive made from the very runtime tarball", () => {
  const manifest = parseManifest(
    `language: python
dependencies:
- name: python
  version: 3.11.7
  uri: https://example.com/python_3.11.7.tgz
  sha256: ${SHA_A}
  cf_stacks: [cflinuxfs4]
- name: python-bytecode
  version: 3.11.7
  uri: buildpack:python-bytecode_3.11.7_linux_x64_cflinuxfs4_bbbbbbbb.tgz
  sha256: ${SHA_B}
  cf_stacks: [cflinuxfs4]
  runtime_sha256: ${SHA_A.toUpperCase()}
  file: dependencies/0123/python-bytecode_3.11.7_linux_x64_cflinuxfs4_bbbbbbbb.tgz
`,
    "manifest.yml",
  );
  const [python, archive] = manifest.dependencies;
  assert.equal(archive.runtimeSha256, SHA_A);
  assert.equal(bytecodeArchiveFor(manifest, python, "cflinuxfs4"), archive);
  // Another tarball of the same version (an override), another version, another stack: none.
  assert.equal(bytecodeArchiveFor(manifest, { ...python, sha256: SHA_B }, "cflinuxfs4"), undefined);
  assert.equal(
    bytecodeArchiveFor(manifest, { ...python, version: "3.11.8" }, "cflinuxfs4"),
    undefined,
  );
  assert.equal(bytecodeArchiveFor(manifest, python, "cflinuxfs5"), undefined);
});

Deno.test("bytecodeEntryProblem: only .pyc files of the runtime's version in __pycache__ dirs", () => {
  for (
    const ok of [
      "lib/python3.11/__pycache__/argparse.cpython-311.pyc",
      "lib/python3.11/json/__pycache__/decoder.cpython-311.pyc",
      "lib/python3.11/site-packages/pip/_internal/__pycache__/main.cpython-311.pyc",
    ]
  ) assert.equal(bytecodeEntryProblem(ok, "3.11.7"), undefined, ok);
  const refused: [string, RegExp][] = [
    ["bin/python3", /not under lib\/python3\.11\//],
    ["lib/python3.12/__pycache__/os.cpython-312.pyc", /not under lib\/python3\.11\//],
    ["lib/python3.11/os.py", /not in a __pycache__ dir/],
    ["lib/python3.11/__pycache__/os.cpython-312.pyc", /not a \*\.cpython-311\.pyc file/],
    ["lib/python3.11/__pycache__/.cpython-311.pyc", /not a \*\.cpython-311\.pyc file/],
    ["lib/python3.11/__pycache__/../os.py", /not a plain relative path/],
    ["lib/python3.11/x/__pycache__/sh", /not a \*\.cpython-311\.pyc file/],
  ];
  for (const [rel, why] of refused) {
    assert.match(bytecodeEntryProblem(rel, "3.11.7") ?? "", why, rel);
  }
});

Deno.test("sourceOfPyc: the source of an archive entry", () => {
  assert.equal(
    sourceOfPyc("lib/python3.11/__pycache__/os.cpython-311.pyc"),
    "lib/python3.11/os.py",
  );
  assert.equal(
    sourceOfPyc("lib/python3.11/json/__pycache__/decoder.cpython-311.pyc"),
    "lib/python3.11/json/decoder.py",
  );
});

/**
 * A runtime tree with three sources, and a buildpack whose bundled archive
 * holds `files` (stand-in bytes for .pyc contents: what is tested is which
 * files land where, not their bytecode; tools/package's test builds real ones).
 */
async function setup(files: Record<string, string>, options: { sha256?: string } = {}) {
  const work = await Deno.makeTempDir({ prefix: "bytecode_archive_test_" });
  const python = join(work, "python");
  for (const rel of ["argparse.py", "json/decoder.py", "site-packages/pip/main.py"]) {
    await Deno.mkdir(join(python, "lib/python3.11", rel, ".."), { recursive: true });
    await Deno.writeTextFile(join(python, "lib/python3.11", rel), "x = 1\n");
  }
  // pip's own import wrote this one already: it stays.
  await Deno.mkdir(join(python, "lib/python3.11/json/__pycache__"));
  await Deno.writeTextFile(
    join(python, "lib/python3.11/json/__pycache__/decoder.cpython-311.pyc"),
    "pip's",
  );
  const src = join(work, "src");
  for (const [rel, text] of Object.entries(files)) {
    await Deno.mkdir(join(src, rel, ".."), { recursive: true });
    await Deno.writeTextFile(join(src, rel), text);
  }
  const file = "dependencies/0123/python-bytecode_3.11.7.tgz";
  const root = join(work, "buildpack");
  await Deno.mkdir(join(root, "dependencies/0123"), { recursive: true });
  const tar = await new Deno.Command("tar", {
    args: ["czf", join(root, file), "-C", src, ...Object.keys(files).map((f) => f.split("/")[0])],
  }).output();
  assert.ok(tar.success);
  await Deno.remove(src, { recursive: true });
  const sha256 = options.sha256 ??
    createHash("sha256").update(await Deno.readFile(join(root, file))).digest("hex");
  const dep: Dependency = {
    name: "python-bytecode",
    version: "3.11.7",
    uri: "buildpack:python-bytecode_3.11.7.tgz",
    sha256,
    cfStacks: [],
    runtimeSha256: SHA_A,
    file,
  };
  const sink = new MemorySink();
  const log = new Logger(sink, { debug: true });
  const installer = new DependencyInstaller({ root, cacheDir: join(work, "cache"), log });
  return { work, python, dep, sink, log, installer };
}

async function tree(dir: string): Promise<string[]> {
  const out = await new Deno.Command("find", {
    args: [dir, "-type", "f", "-printf", "%P\\n"],
    stdout: "piped",
  })
    .output();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).sort();
}

/** What is in `dir`, but the app cache (the installer may make it): no scratch dir left. */
async function entries(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).filter((n) => n !== "cache")
    .sort();
}

const PYC = "lib/python3.11/__pycache__/argparse.cpython-311.pyc";
const PIP_PYC = "lib/python3.11/site-packages/pip/__pycache__/main.cpython-311.pyc";
const DECODER_PYC = "lib/python3.11/json/__pycache__/decoder.cpython-311.pyc";
const GONE_PYC = "lib/python3.11/__pycache__/gone.cpython-311.pyc";

Deno.test("addBytecodeArchive: adds each .pyc whose source is there and has none", async () => {
  const s = await setup({
    [PYC]: "a",
    [PIP_PYC]: "p",
    [DECODER_PYC]: "archive's",
    [GONE_PYC]: "g",
  });
  try {
    assert.equal(await addBytecodeArchive(s.dep, s.python, s), 2);
    assert.equal(await Deno.readTextFile(join(s.python, PYC)), "a");
    assert.equal(await Deno.readTextFile(join(s.python, PIP_PYC)), "p");
    assert.equal(await Deno.readTextFile(join(s.python, DECODER_PYC)), "pip's");
    assert.ok(!(await tree(s.python)).includes(GONE_PYC));
    assert.match(s.sink.text, /Added 2 precompiled modules of pip's imports from the buildpack/);
    // Nothing left beside the runtime.
    assert.deepEqual(await entries(s.work), ["buildpack", "python"]);
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});

Deno.test("addBytecodeArchive: an archive with anything else, or damaged, is left out with a warning", async () => {
  const cases: [Record<string, string>, { sha256?: string }, RegExp][] = [
    [
      { [PYC]: "a", "bin/python3": "#!/bin/sh\n" },
      {},
      /bin\/python3: not under lib\/python3\.11\//,
    ],
    [
      { [PYC]: "a", "lib/python3.11/argparse.py": "evil\n" },
      {},
      /argparse\.py: not in a __pycache__ dir/,
    ],
    [{ [PYC]: "a" }, { sha256: "0".repeat(64) }, /sha256/],
  ];
  for (const [files, options, why] of cases) {
    const s = await setup(files, options);
    try {
      const before = await tree(s.python);
      assert.equal(await addBytecodeArchive(s.dep, s.python, s), 0);
      assert.deepEqual(await tree(s.python), before, "the runtime changed");
      assert.match(s.sink.text, /WARNING.*Not using the buildpack's python-bytecode 3\.11\.7 \(/);
      assert.match(s.sink.text, why);
      assert.match(
        s.sink.text,
        /compiling pip's imports during staging instead\. Repackage the buildpack/,
      );
      assert.deepEqual(await entries(s.work), ["buildpack", "python"]);
    } finally {
      await Deno.remove(s.work, { recursive: true });
    }
  }
});

Deno.test("addBytecodeArchive: an archive the buildpack does not carry is skipped quietly", async () => {
  const s = await setup({ [PYC]: "a" });
  try {
    const dep = { ...s.dep, file: "dependencies/none/x.tgz" };
    const before = await tree(s.python);
    assert.equal(await addBytecodeArchive(dep, s.python, s), 0);
    assert.deepEqual(await tree(s.python), before);
    assert.doesNotMatch(s.sink.text, /WARNING|Download/);
  } finally {
    await Deno.remove(s.work, { recursive: true });
  }
});
