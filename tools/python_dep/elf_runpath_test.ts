import assert from "node:assert/strict";
import { join } from "node:path";
import {
  applyPatches,
  ElfError,
  isElf,
  planRunpathRemoval,
  planRunpathRewrite,
  readRunpaths,
  readRunpathsFile,
  removeRunpathFile,
  rewriteRunpathFile,
} from "./elf_runpath.ts";
import { newestOfMinor, skipReason } from "../../tests/support/runtimes.ts";

const BASE = 0x400000n;

/** A minimal ELF64 LE shared object: one PT_LOAD over the file, a PT_DYNAMIC, a string table. */
function syntheticElf(paths: { tag: "RUNPATH" | "RPATH"; value: string }[]): Uint8Array {
  const strings = ["", "libc.so.6", ...paths.map((p) => p.value)];
  const enc = new TextEncoder();
  const strtab: number[] = [];
  const index: number[] = [];
  for (const s of strings) {
    index.push(strtab.length);
    strtab.push(...enc.encode(s), 0);
  }
  const dynEntries: [bigint, bigint][] = [];
  const dynOffset = 64 + 2 * 56;
  const dynSize = (paths.length + 3) * 16;
  const strOffset = dynOffset + dynSize;
  dynEntries.push([5n, BASE + BigInt(strOffset)], [10n, BigInt(strtab.length)]);
  paths.forEach((p, i) => dynEntries.push([p.tag === "RUNPATH" ? 29n : 15n, BigInt(index[i + 2])]));
  dynEntries.push([0n, 0n]);
  const total = strOffset + strtab.length;
  const bytes = new Uint8Array(total);
  const v = new DataView(bytes.buffer);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  v.setUint16(0x10, 3, true); // ET_DYN
  v.setUint16(0x12, 0x3e, true); // x86_64
  v.setUint32(0x14, 1, true);
  v.setBigUint64(0x20, 64n, true); // e_phoff
  v.setUint16(0x34, 64, true);
  v.setUint16(0x36, 56, true);
  v.setUint16(0x38, 2, true);
  const phdr = (
    at: number,
    { type, offset, size }: { type: number; offset: number; size: number },
  ) => {
    v.setUint32(at, type, true);
    v.setBigUint64(at + 8, BigInt(offset), true);
    v.setBigUint64(at + 16, BASE + BigInt(offset), true);
    v.setBigUint64(at + 24, BASE + BigInt(offset), true);
    v.setBigUint64(at + 32, BigInt(size), true);
    v.setBigUint64(at + 40, BigInt(size), true);
  };
  phdr(64, { type: 1, offset: 0, size: total }); // PT_LOAD
  phdr(64 + 56, { type: 2, offset: dynOffset, size: dynSize }); // PT_DYNAMIC
  dynEntries.forEach(([tag, val], i) => {
    v.setBigInt64(dynOffset + i * 16, tag, true);
    v.setBigUint64(dynOffset + i * 16 + 8, val, true);
  });
  bytes.set(strtab, strOffset);
  return bytes;
}

Deno.test("readRunpaths finds RUNPATH and RPATH strings", () => {
  const elf = syntheticElf([
    { tag: "RUNPATH", value: "/opt/py/lib" },
    { tag: "RPATH", value: "/usr/local/lib:/opt/py/lib" },
  ]);
  const found = readRunpaths(elf);
  assert.deepEqual(found.map((f) => [f.tag, f.value, f.length]), [
    ["RUNPATH", "/opt/py/lib", 11],
    ["RPATH", "/usr/local/lib:/opt/py/lib", 26],
  ]);
  assert.equal(
    new TextDecoder().decode(elf.subarray(found[0].offset, found[0].offset + 11)),
    "/opt/py/lib",
  );
});

Deno.test("readRunpaths: none without the tags; errors on non-ELF and ELF32", () => {
  assert.deepEqual(readRunpaths(syntheticElf([])), []);
  assert.equal(isElf(new TextEncoder().encode("#!/bin/sh\n")), false);
  assert.throws(() => readRunpaths(new TextEncoder().encode("#!/bin/sh\n")), ElfError);
  const elf32 = syntheticElf([]);
  elf32[4] = 1;
  assert.throws(() => readRunpaths(elf32), /64-bit/);
  const bigEndian = syntheticElf([]);
  bigEndian[5] = 2;
  assert.throws(() => readRunpaths(bigEndian), /little-endian/);
});

Deno.test("planRunpathRewrite pads a shorter value with NULs and refuses a longer one", () => {
  const elf = syntheticElf([{ tag: "RUNPATH", value: "/root/.pyenv/versions/3.11.7/lib" }]);
  const changes = planRunpathRewrite(elf, () => "$ORIGIN/../lib");
  assert.equal(changes.length, 1);
  assert.equal(changes[0].patch.bytes.length, "/root/.pyenv/versions/3.11.7/lib".length);
  const patched = applyPatches(elf, changes.map((c) => c.patch));
  assert.deepEqual(readRunpaths(patched).map((r) => r.value), ["$ORIGIN/../lib"]);
  assert.deepEqual(readRunpaths(elf).map((r) => r.value), ["/root/.pyenv/versions/3.11.7/lib"]);
  // The byte after the new string is NUL, the old string's tail is all NULs.
  const { offset } = changes[0].entry;
  assert.ok(patched.subarray(offset + 14, offset + 32 + 1).every((b) => b === 0));

  assert.throws(
    () =>
      planRunpathRewrite(
        syntheticElf([{ tag: "RUNPATH", value: "/p/lib" }]),
        () => "$ORIGIN/../lib",
      ),
    /longer/,
  );
  assert.deepEqual(planRunpathRewrite(elf, () => undefined), []);
});

Deno.test("planRunpathRewrite passes the tag and rewrites only what the callback changes", () => {
  const elf = syntheticElf([
    { tag: "RUNPATH", value: "/opt/py/lib" },
    { tag: "RPATH", value: "/usr/lib" },
  ]);
  const seen: string[] = [];
  const changes = planRunpathRewrite(elf, (value, tag) => {
    seen.push(`${tag}=${value}`);
    return tag === "RUNPATH" ? "$ORIGIN" : value;
  });
  assert.deepEqual(seen, ["RUNPATH=/opt/py/lib", "RPATH=/usr/lib"]);
  assert.deepEqual(changes.map((c) => c.value), ["$ORIGIN"]);
});

/** The (tag, value) pairs of the dynamic section up to DT_NULL. */
function dynamicTags(elf: Uint8Array): bigint[] {
  const v = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const tags: bigint[] = [];
  for (let at = 64 + 2 * 56;; at += 16) {
    const tag = v.getBigInt64(at, true);
    if (tag === 0n) return tags;
    tags.push(tag);
  }
}

Deno.test("planRunpathRemoval drops every RUNPATH/RPATH entry and blanks their strings", () => {
  const elf = syntheticElf([
    { tag: "RUNPATH", value: "/root/.pyenv/versions/3.11.7/lib" },
    { tag: "RPATH", value: "/opt/other/lib" },
  ]);
  assert.deepEqual(dynamicTags(elf), [5n, 10n, 29n, 15n]);
  const removed = applyPatches(elf, planRunpathRemoval(elf));
  assert.equal(removed.length, elf.length);
  assert.deepEqual(readRunpaths(removed), []);
  assert.deepEqual(dynamicTags(removed), [5n, 10n], "STRTAB and STRSZ stay, in order");
  const text = new TextDecoder().decode(removed);
  assert.ok(!text.includes(".pyenv") && !text.includes("/opt/other"), "no build path left");
  assert.ok(text.includes("libc.so.6"), "other strings stay");
  assert.deepEqual(planRunpathRemoval(syntheticElf([])), []);
});

Deno.test("planRunpathRemoval keeps the entries after a removed one", () => {
  // RUNPATH first, then STRTAB/STRSZ: they must move up, not be lost.
  const elf = syntheticElf([{ tag: "RUNPATH", value: "/p/lib" }]);
  const v = new DataView(elf.buffer);
  const dyn = 64 + 2 * 56;
  const entries = [0, 1, 2].map((i) => elf.slice(dyn + i * 16, dyn + i * 16 + 16));
  elf.set(entries[2], dyn); // RUNPATH
  elf.set(entries[0], dyn + 16); // STRTAB
  elf.set(entries[1], dyn + 32); // STRSZ
  assert.equal(v.getBigInt64(dyn, true), 29n);
  const removed = applyPatches(elf, planRunpathRemoval(elf));
  assert.deepEqual(dynamicTags(removed), [5n, 10n]);
});

function pyenvPython(): { prefix: string; binary: string; version: string } | undefined {
  if (skipReason("3.11") !== undefined) return undefined;
  const run = (args: string[]) =>
    new TextDecoder().decode(
      new Deno.Command("pyenv", { args, stdout: "piped" }).outputSync().stdout,
    );
  const version = newestOfMinor(run(["versions", "--bare"]), "3.11")!;
  const prefix = run(["prefix", version]).trim();
  return { prefix, binary: join(prefix, "bin", "python3.11"), version };
}

function hasReadelf(): boolean {
  try {
    return new Deno.Command("readelf", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

const real = pyenvPython();

Deno.test({
  name: "rewriteRunpathFile relocates a real pyenv python binary",
  ignore: real === undefined,
  async fn() {
    const { prefix, binary } = real!;
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "elf-runpath-test-" }));
    try {
      await Deno.mkdir(join(dir, "bin"));
      await Deno.mkdir(join(dir, "lib"));
      const copy = join(dir, "bin", "python3.11");
      await Deno.copyFile(binary, copy);
      for (const lib of ["libpython3.11.so.1.0"]) {
        await Deno.copyFile(join(prefix, "lib", lib), join(dir, "lib", lib));
      }
      const before = await readRunpathsFile(copy);
      assert.deepEqual(before.map((r) => [r.tag, r.value]), [["RUNPATH", join(prefix, "lib")]]);

      const changes = await rewriteRunpathFile(copy, () => "$ORIGIN/../lib");
      assert.equal(changes.length, 1);
      assert.deepEqual((await readRunpathsFile(copy)).map((r) => r.value), ["$ORIGIN/../lib"]);
      assert.equal((await Deno.stat(copy)).size, (await Deno.stat(binary)).size);
      assert.equal(((await Deno.stat(copy)).mode ?? 0) & 0o111, 0o111, "still executable");

      if (hasReadelf()) {
        const out = new TextDecoder().decode(
          (await new Deno.Command("readelf", { args: ["-d", copy], stdout: "piped" }).output())
            .stdout,
        );
        assert.match(out, /\(RUNPATH\)\s+Library runpath: \[\$ORIGIN\/\.\.\/lib\]/);
        assert.doesNotMatch(out, /\.pyenv/);
      }

      const script =
        "import sys; print(sys.version.split()[0]); print(open('/proc/self/maps').read())";
      // With LD_LIBRARY_PATH, as the buildpack stages it.
      const withPath = await new Deno.Command(copy, {
        args: ["-c", "import sys; print(sys.version.split()[0])"],
        env: { LD_LIBRARY_PATH: join(prefix, "lib") },
        stdout: "piped",
      }).output();
      assert.ok(withPath.success);
      assert.equal(new TextDecoder().decode(withPath.stdout).trim(), real!.version);
      // Without it, $ORIGIN/../lib must find the copied libpython, not the
      // build prefix's nor the host's.
      const bare = await new Deno.Command(copy, {
        args: ["-c", script],
        clearEnv: true,
        env: { PATH: "/usr/bin:/bin" },
        stdout: "piped",
      }).output();
      assert.ok(bare.success);
      const maps = new TextDecoder().decode(bare.stdout);
      const libpython = maps.split("\n").filter((l) => l.includes("libpython")).map((l) =>
        l.split(/\s+/).pop()
      );
      assert.ok(libpython.length > 0);
      for (const l of libpython) {
        assert.ok(l!.startsWith(join(dir, "lib") + "/"), `${l} is not the copy`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "removeRunpathFile leaves a real pyenv python needing LD_LIBRARY_PATH, as CF's do",
  ignore: real === undefined,
  async fn() {
    const { prefix, binary, version } = real!;
    const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "elf-runpath-test-" }));
    try {
      await Deno.mkdir(join(dir, "bin"));
      await Deno.mkdir(join(dir, "lib"));
      const copy = join(dir, "bin", "python3.11");
      await Deno.copyFile(binary, copy);
      await Deno.copyFile(
        join(prefix, "lib", "libpython3.11.so.1.0"),
        join(dir, "lib", "libpython3.11.so.1.0"),
      );
      const removed = await removeRunpathFile(copy);
      assert.deepEqual(removed.map((r) => r.value), [join(prefix, "lib")]);
      assert.deepEqual(await readRunpathsFile(copy), []);
      assert.equal(((await Deno.stat(copy)).mode ?? 0) & 0o111, 0o111, "still executable");
      assert.ok(!new TextDecoder().decode(await Deno.readFile(copy)).includes(prefix));
      if (hasReadelf()) {
        const out = new TextDecoder().decode(
          (await new Deno.Command("readelf", { args: ["-d", copy], stdout: "piped" }).output())
            .stdout,
        );
        assert.doesNotMatch(out, /RUNPATH|RPATH/);
        assert.match(out, /NEEDED.*libpython3\.11/);
      }
      const run = (env: Record<string, string>) =>
        new Deno.Command(copy, {
          args: ["-c", "import sys; print(sys.version.split()[0])"],
          clearEnv: true,
          env: { PATH: "/usr/bin:/bin", ...env },
          stdout: "piped",
          stderr: "piped",
        }).output();
      const withPath = await run({ LD_LIBRARY_PATH: join(dir, "lib") });
      assert.ok(withPath.success, new TextDecoder().decode(withPath.stderr));
      assert.equal(new TextDecoder().decode(withPath.stdout).trim(), version);
      // Without it the copy cannot find its libpython: it fails, or loads the
      // host's (Debian's 3.11.2), never the packaged one.
      const bare = await run({});
      if (bare.success) {
        assert.notEqual(new TextDecoder().decode(bare.stdout).trim(), version);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
